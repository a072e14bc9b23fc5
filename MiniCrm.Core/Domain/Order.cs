namespace MiniCrm.Core.Domain;

public enum OrderStatus
{
    Pending,
    Completed,
    Cancelled,
    Refunded,
}

public sealed class Order
{
    /// <summary>Supplied by the source system; unique. Sent again with a new status or items, it updates the order (see <see cref="OrderLifecycle"/>).</summary>
    public required string Id { get; set; }

    public Guid CustomerId { get; set; }

    public Customer? Customer { get; set; }

    public DateTimeOffset OrderDate { get; set; }

    public decimal Amount { get; set; }

    public OrderStatus Status { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When the source says this version of the order was made (its <c>updatedAt</c>), or when the Api accepted it.</summary>
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>The Api's id for the submission this version came from: breaks ties between versions of the same stage and time.</summary>
    public Guid SubmissionId { get; set; }

    public List<OrderItem> Items { get; set; } = [];
}

public sealed class OrderItem
{
    public long Id { get; set; }

    public required string OrderId { get; set; }

    public required string Name { get; set; }

    public int Quantity { get; set; }

    public decimal UnitPrice { get; set; }

    /// <summary>Quantity × unit price, checked on the way in.</summary>
    public decimal Total { get; set; }
}
