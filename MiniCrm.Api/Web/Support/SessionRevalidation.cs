using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using MiniCrm.Api.Auth;

namespace MiniCrm.Api.Web.Support;

/// <summary>
/// An open page's session is checked again every <see cref="RevalidationInterval"/>: once its user signed out (anywhere)
/// the circuit's user is nobody, and the page sends them to sign in. A circuit outlives the request that opened it, so
/// the cookie check alone would let an open page keep acting.
/// </summary>
public sealed class SessionRevalidation(ILoggerFactory loggers, SessionStamps sessions) : RevalidatingServerAuthenticationStateProvider(loggers)
{
    protected override TimeSpan RevalidationInterval => TimeSpan.FromSeconds(30);

    protected override Task<bool> ValidateAuthenticationStateAsync(AuthenticationState state, CancellationToken ct) =>
        sessions.IsCurrentAsync(state.User, ct);
}
