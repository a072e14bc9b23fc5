namespace MiniCrm.Api.Application.Orders;

public sealed record OrderItemView(string Name, int Quantity, decimal UnitPrice, decimal Total);
