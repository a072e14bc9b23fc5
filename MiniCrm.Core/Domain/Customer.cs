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

    public decimal TotalSpend { get; set; }

    public int Visits { get; set; }

    public DateTimeOffset? LastOrderDate { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public List<Order> Orders { get; set; } = [];
}
