namespace MiniCrm.Api.Application.Team;

/// <summary>
/// A member of the team as the Team page shows them: their role, how they sign in (google, development, or invited: added
/// by an admin and not signed in yet), whether configuration makes them an admin, when they last signed in, and when an
/// admin removed them from the team (null while on it).
/// </summary>
public sealed record TeamMemberView(string Id, string? Email, string? Name, Role Role, string SignsInWith, bool AdminByConfiguration,
    DateTimeOffset CreatedAt, DateTimeOffset? SignedInAt, DateTimeOffset? RemovedAt);
