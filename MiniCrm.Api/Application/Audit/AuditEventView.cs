namespace MiniCrm.Api.Application.Audit;

/// <summary>
/// One audit record: who (and their role then), what, which record, when, from where, and what else identifies it.
/// <see cref="RecordName"/> is the record's name now (a campaign's, an audience's, a customer's, a user's email), when it still exists.
/// </summary>
public sealed record AuditEventView(long Id, DateTimeOffset At, string UserId, string? UserEmail, Role Role, string Action,
    string? RecordType, string? RecordId, string? Address, string? Detail, string? RecordName = null)
{
    public static AuditEventView From(AuditEvent e) => new(e.Id, e.At, e.UserId, e.UserEmail, e.Role, e.Action, e.RecordType, e.RecordId, e.Address, e.Detail);
}
