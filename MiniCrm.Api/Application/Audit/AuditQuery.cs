namespace MiniCrm.Api.Application.Audit;

/// <summary>
/// Which audit records to read: by whom (<see cref="User"/>: part of an email or a user id), what (<see cref="Action"/>: an
/// action such as <c>campaign.cancel</c>, or its kind such as <c>campaign</c>), which record, and from / before when.
/// </summary>
public sealed record AuditQuery(string? User = null, string? Action = null, string? Record = null, DateTimeOffset? From = null, DateTimeOffset? To = null);
