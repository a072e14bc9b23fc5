namespace MiniCrm.Api.Application.Customers;

/// <summary>
/// A page of customers: <c>sort</c> is <c>createdAt</c> (newest first, the default) or <c>totalSpend</c> (highest first);
/// <c>rules</c> a rule group as JSON; <c>search</c> words in the name, email or phone.
/// </summary>
public sealed record CustomerListQuery(int? Limit = null, string? Cursor = null, string? Sort = null, string? Rules = null, string? Search = null);
