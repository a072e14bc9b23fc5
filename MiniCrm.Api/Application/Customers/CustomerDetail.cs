using MiniCrm.Api.Application.Orders;

namespace MiniCrm.Api.Application.Customers;

public sealed record CustomerDetail(CustomerSummary Customer, IReadOnlyList<OrderView> RecentOrders);
