namespace MiniCrm.Api.Application.Segments;

/// <summary>A customer in lists; <c>unsubscribedAt</c> is set when they asked not to be messaged.</summary>
public sealed record CustomerSummary(
    Guid Id, string Name, string Email, string? Phone, string? City,
    decimal TotalSpend, int Visits, DateTimeOffset? LastOrderDate, DateTimeOffset CreatedAt, DateTimeOffset? UnsubscribedAt)
{
    public static CustomerSummary From(Customer c) =>
        new(c.Id, c.Name, c.Email, c.Phone, c.City, c.TotalSpend, c.Visits, c.LastOrderDate, c.CreatedAt, c.UnsubscribedAt);
}
