using MiniCrm.Api.Application.Orders;
using MiniCrm.Api.Services;

namespace MiniCrm.Api.Application.Customers;

public sealed record CustomerDetail(CustomerSummary Customer, IReadOnlyList<OrderView> RecentOrders);
