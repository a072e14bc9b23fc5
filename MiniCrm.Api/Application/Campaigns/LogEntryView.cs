namespace MiniCrm.Api.Application.Campaigns;

/// <summary>
/// One delivery: <see cref="DeliveredAt"/> when a SENT one was delivered, <see cref="FailedAt"/> when a FAILED one failed
/// (with <see cref="FailureReason"/>); <see cref="Attempts"/> counts its dispatches (more than one when no receipt came back in time).
/// </summary>
public sealed record LogEntryView(Guid CustomerId, string CustomerName, string Email, string? Phone, string Message,
    DeliveryStatus Status, DateTimeOffset? DeliveredAt, string? FailureReason, int Attempts, DateTimeOffset? FailedAt = null);
