namespace MiniCrm.Core.Domain;

/// <summary>
/// What a user of the CRM may do, each role everything the one before it may: an <see cref="Analyst"/> reads, a
/// <see cref="Marketer"/> also changes audiences, campaigns, imports and consent and exports personal data, an
/// <see cref="Admin"/> also runs the team and reads the audit trail. Stored as its name in capitals.
/// </summary>
public enum Role
{
    Analyst = 0,
    Marketer = 1,
    Admin = 2,
}
