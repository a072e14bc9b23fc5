using System.Security.Claims;
using MiniCrm.Api.Auth;

namespace MiniCrm.Api.Application.Team;

/// <summary>
/// Who is calling an application operation: the signed-in user, the role their session carries and the address they
/// call from. A role change ends every session of the user, so the role of a live session is the current one.
/// </summary>
public sealed record Caller(string? UserId, string? Email, Role? Role, string? Address)
{
    /// <summary>No signed-in user: may do nothing that needs a role.</summary>
    public static readonly Caller Nobody = new(null, null, null, null);

    public bool May(Operation operation) => Role is { } role && role >= operation.Needs;

    /// <summary>The user's id, for an operation that only runs for a signed-in caller (after <see cref="May"/>).</summary>
    public string Id => UserId ?? throw new InvalidOperationException("No signed-in caller: check Access.Refuse first.");

    public static Caller Of(ClaimsPrincipal user, string? address) =>
        user.FindFirstValue(CrmAuthentication.UserIdClaim) is { } id
            ? new(id, user.FindFirstValue(ClaimTypes.Email), RoleOf(user), address)
            : Nobody with { Address = address };

    /// <summary>The caller of a request: its session's user, from the client's address (behind a trusted proxy, the forwarded one).</summary>
    public static Caller Of(ClaimsPrincipal user, HttpContext context) => Of(user, context.Connection.RemoteIpAddress?.ToString());

    /// <summary>The role a session carries; none for a session from before roles (it signs in again).</summary>
    public static Role? RoleOf(ClaimsPrincipal user) =>
        Enum.TryParse<Role>(user.FindFirstValue(CrmAuthentication.RoleClaim), ignoreCase: true, out var role) ? role : null;
}
