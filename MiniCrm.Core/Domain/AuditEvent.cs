namespace MiniCrm.Core.Domain;

/// <summary>
/// One thing a person did that changed something, or an export of personal data: who (the user, their email and role
/// then), what (<see cref="Action"/>, e.g. <c>campaign.cancel</c>), which record, when and from where. Appended and never
/// changed: the table refuses UPDATE and DELETE.
/// </summary>
public sealed class AuditEvent
{
    public long Id { get; set; }

    public DateTimeOffset At { get; set; }

    public required string UserId { get; set; }

    /// <summary>The user's email at the time (a later change of the account does not rewrite the trail).</summary>
    public string? UserEmail { get; set; }

    /// <summary>The user's role at the time.</summary>
    public Role Role { get; set; }

    public required string Action { get; set; }

    /// <summary>The kind of record acted on (campaign, customer, segment, …), when there is one.</summary>
    public string? RecordType { get; set; }

    public string? RecordId { get; set; }

    /// <summary>The client's address, as the Api saw it (behind a trusted proxy: the forwarded one).</summary>
    public string? Address { get; set; }

    /// <summary>What else identifies the change: the new role, an export's filters, a count.</summary>
    public string? Detail { get; set; }
}
