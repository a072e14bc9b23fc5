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

    /// <summary>max(0, completed − refunded): never below zero, and the same whatever order the orders arrive in.</summary>
    public decimal TotalSpend { get; set; }

    /// <summary>Completed minus refunded, unclamped; kept so <see cref="TotalSpend"/> can be updated incrementally and exactly.</summary>
    public decimal NetSpend { get; set; }

    public int Visits { get; set; }

    /// <summary>Date of the latest COMPLETED order.</summary>
    public DateTimeOffset? LastOrderDate { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When the customer asked not to be messaged; such a customer is in no audience.</summary>
    public DateTimeOffset? UnsubscribedAt { get; set; }

    /// <summary>How: "link" (the unsubscribe link of a message) or "marketer" (through the Api).</summary>
    public string? UnsubscribedVia { get; set; }

    public List<Order> Orders { get; set; } = [];
}
