using System.Text.Json.Nodes;
using MiniCrm.Core.Segments;
using System.Runtime.CompilerServices;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Components.Authorization;
using MiniCrm.Core.Telemetry;
using MiniCrm.Api.Http;
using Npgsql;

namespace MiniCrm.Api.Web.Support;

/// <summary>
/// Runs the Api's own operations for a page. Each runs in a scope of its own: a circuit lives as long as the
/// tab, a DbContext should live for one unit of work, and two operations of one page (a count still running
/// while the next edit asks again) must not share a connection. The page's JSON goes through the same
/// validators as a request's body.
/// </summary>
public sealed partial class CrmOperations(IServiceScopeFactory scopes, AuthenticationStateProvider authentication, MarketerLimits limits,
    MiniCrm.Api.Auth.SessionStamps sessions, IHttpContextAccessor http, ILogger<CrmOperations> logger)
    : IDisposable
{
    // The circuit's: cancelled when the circuit (the tab) goes, so its work stops with it.
    private readonly CancellationTokenSource circuit = new();

    // Where the circuit was opened from (its connection's request, after the trusted proxies' forwarding): the audit's "from where".
    private readonly string? address = http.HttpContext?.Connection.RemoteIpAddress?.ToString();

    public async Task<ClaimsPrincipal> UserAsync() => (await authentication.GetAuthenticationStateAsync()).User;

    /// <summary>Who this page's operations run as: what a page shows is what <see cref="Caller.May"/> allows.</summary>
    public async Task<Caller> CallerAsync() => Caller.Of(await UserAsync(), address);

    /// <summary>
    /// An application operation of <typeparamref name="TService"/> (a query or a command), run with the circuit's
    /// cancellation, its result read as an <see cref="Outcome{T}"/>; <paramref name="limit"/> is the endpoint's rate limit,
    /// per marketer, for what costs (a launch, a count, a model's answer).
    /// </summary>
    public async Task<Outcome<T>> CallAsync<TService, T>(Func<TService, CancellationToken, Task<Result<T>>> operation, string? limit = null,
        [CallerFilePath] string page = "", [CallerMemberName] string action = "")
        where TService : notnull
    {
        if (limit is not null && !limits.TryAcquire(limit, (await UserAsync()).FindFirstValue(MiniCrm.Api.Auth.CrmAuthentication.UserIdClaim) ?? "", out var wait))
        {
            return Outcome.Problem<T>("Too many requests", $"This allows a set number a minute; try again in {Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds))} s.");
        }

        return await RunAsync(async (services, ct) => Outcome.Read(await operation(services.GetRequiredService<TService>(), ct)), page, action);
    }

    /// <summary>A read of <typeparamref name="TService"/> that cannot be refused (only the database can fail it).</summary>
    public Task<Outcome<T>> ReadAsync<TService, T>(Func<TService, CancellationToken, Task<T>> read,
        [CallerFilePath] string page = "", [CallerMemberName] string action = "")
        where TService : notnull =>
        RunAsync(async (services, ct) => Outcome.Of(await read(services.GetRequiredService<TService>(), ct)), page, action);

    /// <summary>
    /// A page's operation, traced as <c>web Page.Action</c> (a circuit's events have no request to hang the database's
    /// spans on); a database that does not answer is an outcome the page shows, not an exception.
    /// </summary>
    private async Task<Outcome<T>> RunAsync<T>(Func<IServiceProvider, CancellationToken, Task<Outcome<T>>> work,
        [CallerFilePath] string page = "", [CallerMemberName] string action = "")
    {
        using var activity = CrmTelemetry.Source.StartActivity($"web {Path.GetFileNameWithoutExtension(page)}.{action}");
        var user = await UserAsync();
        // Each operation asks whether the session is still its user's (as each request does): a role changed or a
        // "sign out everywhere" stops the open page's next operation, not only its next revalidation.
        if (!await sessions.IsCurrentAsync(user, circuit.Token))
        {
            return Outcome.Problem<T>(SessionEnded, "You were signed out, or an admin changed your role. Nothing was changed: reload the page to sign in again.");
        }

        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<Access>().Use(Caller.Of(user, address));
        try
        {
            return await work(scope.ServiceProvider, circuit.Token);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or DbUpdateException || ex is InvalidOperationException { InnerException: NpgsqlException })
        {
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, ex.GetType().Name);
            LogUnavailable(logger, ex);
            return Outcome.Problem<T>("The database is not answering", "Nothing was changed. Try again in a moment.");
        }
        catch (IdempotencyClaimLostException)
        {
            return Outcome.Problem<T>(MiniCrm.Api.Http.IdempotencyTakenOverHandler.Title, "It took over a minute and was done again meanwhile; open the campaigns list to see the result.");
        }
    }

    public const string SessionEnded = "Your session has ended";

    /// <summary>Rules as a view holds them (a campaign's, a saved audience's), as a request carries them.</summary>
    public static RuleNode Rules(JsonNode rules) => rules.Deserialize(SegmentJson.Default.RuleNode) ?? RuleNode.Everyone;

    public void Dispose()
    {
        circuit.Cancel();
        circuit.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A page's operation found the database unavailable")]
    private static partial void LogUnavailable(ILogger logger, Exception exception);
}
