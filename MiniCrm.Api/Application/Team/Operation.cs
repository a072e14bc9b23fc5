namespace MiniCrm.Api.Application.Team;

/// <summary>
/// Something a person does that a role must allow: its name in the audit trail (<see cref="Action"/>, e.g.
/// <c>campaign.cancel</c>), the least role that may do it, what it is in words (for the refusal) and the kind of record it
/// acts on. Every operation in <see cref="Operations"/> is also audited when it succeeds, unless <see cref="Audited"/> is false;
/// with <see cref="RecordedOncePer"/>, a repeat by the same person on the same record within that time is not recorded again
/// (the composer saves a draft after every pause in typing).
/// </summary>
public sealed record Operation(string Action, Role Needs, string Doing, string? RecordType = null, bool Audited = true, TimeSpan? RecordedOncePer = null);
