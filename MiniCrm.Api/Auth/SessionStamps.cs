using System.Security.Claims;
using Microsoft.Extensions.Caching.Memory;

namespace MiniCrm.Api.Auth;

/// <summary>
/// Whether a session is still its user's: its cookie's stamp against the user's current one (<see cref="User.SessionStamp"/>),
/// remembered for <see cref="Remembered"/> so a page's many requests cost one lookup. Sign-out changes the stamp (and
/// forgets it here at once); another Api replica sees the change within <see cref="Remembered"/>.
/// </summary>
public sealed class SessionStamps(IMemoryCache cache, IServiceScopeFactory scopes)
{
    public const string Claim = "minicrm:session_stamp";

    public static readonly TimeSpan Remembered = TimeSpan.FromSeconds(20);

    public async Task<bool> IsCurrentAsync(ClaimsPrincipal principal, CancellationToken ct)
    {
        if (principal.FindFirstValue(CrmAuthentication.UserIdClaim) is not { } id)
        {
            return true; // not a marketer's session (nothing to check)
        }

        if (Caller.RoleOf(principal) is null)
        {
            return false; // a session from before roles: signing in again gives it the account's role
        }

        var current = await cache.GetOrCreateAsync(Key(id), async entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = Remembered;
            await using var scope = scopes.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<UserDirectory>().SessionStampAsync(id, ct);
        });
        return current is not null && current == principal.FindFirstValue(Claim);
    }

    /// <summary>Ends every session of <paramref name="userId"/>, here at once and on other replicas within <see cref="Remembered"/>.</summary>
    public async Task EndAllAsync(string userId, UserDirectory users, CancellationToken ct)
    {
        await users.EndSessionsAsync(userId, ct);
        cache.Remove(Key(userId));
    }

    /// <summary>Forgets what is remembered of <paramref name="userId"/>'s stamp, after something else changed it (a role change).</summary>
    public void Forget(string userId) => cache.Remove(Key(userId));

    private static string Key(string userId) => "session-stamp:" + userId;
}
