using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace MiniCrm.Tests.Infrastructure;

/// <summary>A Google account; <paramref name="HostedDomain"/> is its Google Workspace domain (Google's <c>hd</c>), null for a personal account.</summary>
public sealed record FakeGoogleAccount(string Id, string Email, string Name, string Picture, bool EmailVerified = true, string? HostedDomain = null);

/// <summary>
/// A local stand-in for Google's OAuth server, so the Api's real Google handler runs end to end:
/// /authorize answers as Google does once the person has chosen <see cref="NextAccount"/> (a redirect to
/// the callback with a code and the state), /token exchanges the code (checking the client's id and
/// secret), /userinfo answers for the token.
/// </summary>
public sealed class FakeGoogle : IAsyncDisposable
{
    public const string ClientId = "minicrm-tests.apps.googleusercontent.com";
    public const string ClientSecret = "fake-google-client-secret";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, FakeGoogleAccount> _codes = new();
    private readonly ConcurrentDictionary<string, FakeGoogleAccount> _tokens = new();

    public FakeGoogle()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapGet("/authorize", (string client_id, string redirect_uri, string state, string response_type) =>
        {
            if (client_id != ClientId || response_type != "code")
            {
                return Results.BadRequest("unknown client or response type");
            }

            var code = Guid.NewGuid().ToString("N");
            _codes[code] = NextAccount;
            return Results.Redirect($"{redirect_uri}?code={code}&state={Uri.EscapeDataString(state)}");
        });
        _app.MapPost("/token", async (HttpRequest request) =>
        {
            var form = await request.ReadFormAsync();
            if (form["client_id"] != ClientId || form["client_secret"] != ClientSecret || form["grant_type"] != "authorization_code" ||
                !_codes.TryRemove(form["code"].ToString(), out var account))
            {
                return Results.Json(new { error = "invalid_grant" }, statusCode: 400);
            }

            var token = Guid.NewGuid().ToString("N");
            _tokens[token] = account;
            return Results.Json(new { access_token = token, token_type = "Bearer", expires_in = 3600 });
        });
        _app.MapGet("/userinfo", (HttpRequest request) =>
            request.Headers.Authorization.ToString() is { } header && header.StartsWith("Bearer ", StringComparison.Ordinal) && _tokens.TryGetValue(header[7..], out var account)
                ? Results.Json(new { sub = account.Id, id = account.Id, email = account.Email, email_verified = account.EmailVerified, name = account.Name, picture = account.Picture, hd = account.HostedDomain })
                : Results.Unauthorized());
    }

    /// <summary>The account the next person to reach /authorize chooses.</summary>
    public FakeGoogleAccount NextAccount { get; set; } = new("1001", "asha@minicrm.test", "Asha Rao", "https://example.test/asha.png");

    public string BaseAddress => _app.Urls.First();

    public Task StartAsync() => _app.StartAsync();

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
