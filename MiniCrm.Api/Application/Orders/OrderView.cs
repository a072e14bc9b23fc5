namespace MiniCrm.Api.Application.Orders;

/// <summary>An order as it is now: <c>updatedAt</c> is when its current version was made (see POST /api/orders).</summary>
public sealed record OrderView(string Id, Guid CustomerId, DateTimeOffset OrderDate, decimal Amount, OrderStatus Status, IReadOnlyList<OrderItemView> Items,
    DateTimeOffset UpdatedAt)
{
    public static OrderView From(Order o) => new(o.Id, o.CustomerId, o.OrderDate, o.Amount, o.Status,
        [.. o.Items.OrderBy(i => i.Id).Select(i => new OrderItemView(i.Name, i.Quantity, i.UnitPrice, i.Total))], o.UpdatedAt);
}
