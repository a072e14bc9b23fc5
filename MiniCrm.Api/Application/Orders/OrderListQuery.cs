namespace MiniCrm.Api.Application.Orders;

/// <summary>A page of orders, optionally of one customer, one status, or ordered from <c>From</c> until before <c>To</c>.</summary>
public sealed record OrderListQuery(int? Limit = null, string? Cursor = null, Guid? CustomerId = null, string? Status = null, DateTimeOffset? From = null, DateTimeOffset? To = null);
