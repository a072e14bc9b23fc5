namespace MiniCrm.Core.Domain;

public sealed class Customer
{
    public Guid Id { get; set; }

    public required string Name { get; set; }

    /// <summary>Unique; stored lower-cased so the same address in other casing is the same customer.</summary>
    public required string Email { get; set; }

    /// <summary>Optional, ten digits, unique.</summary>
    public string? Phone { get; set; }

    public string? City { get; set; }

    /// <summary>The sum of the amounts of the customer's orders that are COMPLETED now (see <see cref="OrderLifecycle"/>).</summary>
    public decimal TotalSpend { get; set; }

    /// <summary>How many of the customer's orders completed: COMPLETED or REFUNDED now (a refund follows a completed purchase).</summary>
    public int Visits { get; set; }

    /// <summary>The date of the latest order that completed (COMPLETED or REFUNDED now).</summary>
    public DateTimeOffset? LastOrderDate { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When the customer asked not to be messaged; such a customer is in no audience.</summary>
    public DateTimeOffset? UnsubscribedAt { get; set; }

    /// <summary>How: "link" (the unsubscribe link of a message) or "marketer" (through the Api).</summary>
    public string? UnsubscribedVia { get; set; }

    public List<Order> Orders { get; set; } = [];
}
