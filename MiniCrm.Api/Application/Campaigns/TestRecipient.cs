namespace MiniCrm.Api.Application.Campaigns;

/// <summary>Where a test goes instead of the customer's own address: the marketer's email or number.</summary>
public sealed record TestRecipient(string? Email, string? Phone);
