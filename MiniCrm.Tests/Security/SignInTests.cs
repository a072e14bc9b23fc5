using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.Testing;
using MiniCrm.Tests.Infrastructure;
using MiniCrm.Tests.Pipeline;

namespace MiniCrm.Tests.Security;

/// <summary>
/// Google sign-in, end to end through the real Microsoft.AspNetCore.Authentication.Google handler,
/// against a local fake Google (its endpoints set through GoogleOptions), as a browser does it:
/// follow each redirect by hand, keep the cookies.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class SignInTests(AppHostFixture fixture)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// The session cookie is protected by a key of the ring kept in crmdb (not the container's disk), so a restart
    /// or another replica of the Api reads it: the key id in the cookie's Data Protection header is a key in the table.
    /// </summary>
    [Fact]
    public async Task The_session_cookie_is_protected_by_a_key_kept_in_the_database()
    {
        var cookie = await fixture.SignInAsync($"keyring.{Guid.NewGuid():N}@{AppHostFixture.AllowedDomain}", "Key Ring");
        var value = cookie[(cookie.IndexOf('=') + 1)..].Replace('-', '+').Replace('_', '/');
        var bytes = Convert.FromBase64String(value.PadRight(value.Length + (4 - value.Length % 4) % 4, '='));
        Assert.Equal(0x09F0C9F0u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes));
        var keyId = new Guid(bytes.AsSpan(4, 16));
        Assert.Equal(1L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM data_protection_keys WHERE xml LIKE '%id=\"{keyId}\"%'"));
    }

    [Fact]
    public async Task Google_sign_in_redirects_calls_back_sets_the_session_cookie_stores_the_user_and_answers_me()
    {
        var account = new FakeGoogleAccount("g-" + Guid.NewGuid().ToString("N")[..10], $"meera.{Guid.NewGuid():N}@{AppHostFixture.AllowedDomain}", "Meera Iyer", "https://example.test/meera.png");
        using var browser = Browser();

        var callback = await ToCallbackAsync(browser, account);
        using var signedIn = await browser.Client.GetAsync(callback);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal("/api/me", signedIn.Headers.Location!.OriginalString);
        var session = signedIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("minicrm.session=", StringComparison.Ordinal));
        Assert.Contains("httponly", session, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", session, StringComparison.OrdinalIgnoreCase);

        var me = await browser.Client.GetFromJsonAsync<JsonElement>("/api/me", Json);
        Assert.Equal(account.Email, me.GetProperty("email").GetString());
        Assert.Equal("Meera Iyer", me.GetProperty("name").GetString());
        Assert.Equal(account.Picture, me.GetProperty("avatar").GetString());
        Assert.Equal("google", me.GetProperty("signInMethod").GetString());
        Assert.Equal("ANALYST", me.GetProperty("role").GetString()); // a first sign-in reads only (Authentication:NewAccounts)
        Assert.Equal(me.GetProperty("id").GetString(), await fixture.ScalarAsync<string>($"SELECT id FROM users WHERE google_id = '{account.Id}' AND email = '{account.Email}'"));

        // A second sign-in updates the same row.
        using var again = Browser();
        using (await again.Client.GetAsync(await ToCallbackAsync(again, account with { Name = "Meera I." })))
        {
        }

        Assert.Equal(1L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM users WHERE google_id = '{account.Id}'"));
        Assert.Equal("Meera I.", await fixture.ScalarAsync<string>($"SELECT name FROM users WHERE google_id = '{account.Id}'"));

        // Signing out ends the session in the browser.
        using var signOut = await browser.Client.PostAsync("/auth/signout", null);
        Assert.Equal(HttpStatusCode.NoContent, signOut.StatusCode);
        using var afterSignOut = await browser.Client.GetAsync("/api/me");
        Assert.Equal(HttpStatusCode.Unauthorized, afterSignOut.StatusCode);
    }

    [Fact]
    public async Task A_tampered_state_is_refused_with_a_problem_and_no_session()
    {
        using var browser = Browser();
        var callback = await ToCallbackAsync(browser, fixture.Google.NextAccount with { Id = "g-tampered", Email = $"t.{Guid.NewGuid():N}@{AppHostFixture.AllowedDomain}" });
        var tampered = System.Text.RegularExpressions.Regex.Replace(callback, "state=([^&]+)", m => "state=" + m.Groups[1].Value[..^4] + "AAAA");

        using var response = await browser.Client.GetAsync(tampered);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("did not complete", await response.Content.ReadAsStringAsync());
        Assert.DoesNotContain(response.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies : [], c => c.StartsWith("minicrm.session=", StringComparison.Ordinal) && !c.Contains("expires=Thu, 01 Jan 1970"));
        Assert.Equal(0L, await fixture.ScalarAsync<long>("SELECT count(*) FROM users WHERE google_id = 'g-tampered'"));
    }

    [Fact]
    public async Task An_account_outside_the_allowed_domains_is_refused_and_not_stored()
    {
        using var browser = Browser();
        var outsider = new FakeGoogleAccount("g-" + Guid.NewGuid().ToString("N")[..10], "someone@gmail.com", "Some One", "https://example.test/p.png");
        using var response = await browser.Client.GetAsync(await ToCallbackAsync(browser, outsider));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("gmail.com may not sign in", await response.Content.ReadAsStringAsync());
        Assert.Equal(0L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM users WHERE google_id = '{outsider.Id}'"));
        using var me = await browser.Client.GetAsync("/api/me");
        Assert.Equal(HttpStatusCode.Unauthorized, me.StatusCode);
    }

    [Fact]
    public async Task A_campaigns_creator_is_the_signed_in_marketer_whatever_the_body_says()
    {
        await IngestDriver.EnsureCustomersAsync(fixture, 10);
        using var api = fixture.Api();
        var me = await api.GetFromJsonAsync<JsonElement>("/api/me", Json);
        Assert.Equal(AppHostFixture.MarketerEmail, me.GetProperty("email").GetString());
        Assert.Equal("development", me.GetProperty("signInMethod").GetString());

        using var launched = await api.PostAsJsonAsync("/api/campaigns", new
        {
            name = "Whose campaign",
            createdBy = "someone-else",
            rules = new { combinator = "AND", rules = Array.Empty<object>() },
            message = "Hi {{name}}",
            smartSending = false, // everyone again, on purpose: other tests message them all the time
        });
        Assert.Equal(HttpStatusCode.Created, launched.StatusCode);
        var campaign = await launched.Content.ReadFromJsonAsync<JsonElement>(Json);
        Assert.Equal(me.GetProperty("id").GetString(), campaign.GetProperty("createdBy").GetString());
        Assert.Equal(me.GetProperty("id").GetString(), await fixture.ScalarAsync<string>($"SELECT created_by FROM campaigns WHERE id = '{campaign.GetProperty("id").GetString()}'"));
    }

    /// <summary>
    /// A team that only lets in whom it chose: Google's hd claim required, first sign-ins refused unless an admin added the
    /// email, configured admins made admins. On an Api of its own (these settings), on the shared database.
    /// </summary>
    [Fact]
    public async Task A_closed_team_takes_only_workspace_accounts_it_added_and_its_configured_admins()
    {
        var port = TestAppHost.FreePort();
        var boss = $"boss.{Guid.NewGuid():N}@{AppHostFixture.AllowedDomain}";
        var (process, output) = await StandaloneApi.StartAsync(fixture, port, "Development", new()
        {
            ["Authentication__Google__ClientId"] = FakeGoogle.ClientId, ["Authentication__Google__ClientSecret"] = FakeGoogle.ClientSecret,
            ["Authentication__Google__AuthorizationEndpoint"] = fixture.Google.BaseAddress + "/authorize",
            ["Authentication__Google__TokenEndpoint"] = fixture.Google.BaseAddress + "/token",
            ["Authentication__Google__UserInformationEndpoint"] = fixture.Google.BaseAddress + "/userinfo",
            ["Authentication__Google__RequireHostedDomain"] = "true",
            ["Authentication__AllowedEmailDomains__0"] = AppHostFixture.AllowedDomain,
            ["Authentication__NewAccounts"] = "Refused",
            ["Authentication__Admins__0"] = boss,
        });
        var standalone = new Uri($"http://127.0.0.1:{port}");
        try
        {
            using (var health = new HttpClient { BaseAddress = standalone })
            {
                await StandaloneApi.WaitHealthyAsync(process, output, health);
            }

            // A personal account with a company address (no hd): refused, not stored.
            var personal = new FakeGoogleAccount("g-" + Guid.NewGuid().ToString("N")[..10], $"p.{Guid.NewGuid():N}@{AppHostFixture.AllowedDomain}", "Pat", "https://example.test/p.png");
            using (var browser = new BrowserSession(standalone))
            using (var refused = await browser.Client.GetAsync(await ToCallbackAsync(browser, personal)))
            {
                Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
                Assert.Contains("Google Workspace", await refused.Content.ReadAsStringAsync());
            }

            // A workspace account nobody added: refused, not stored.
            var stranger = personal with { Id = "g-" + Guid.NewGuid().ToString("N")[..10], HostedDomain = AppHostFixture.AllowedDomain };
            using (var browser = new BrowserSession(standalone))
            using (var refused = await browser.Client.GetAsync(await ToCallbackAsync(browser, stranger)))
            {
                Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
                Assert.Contains("not on this CRM's team yet", await refused.Content.ReadAsStringAsync());
            }

            Assert.Equal(0L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM users WHERE email = '{personal.Email}'"));

            // Added by an admin as a Marketer: their first sign-in claims the account, with that role.
            using (var admin = await fixture.ApiAsAsync("Admin"))
            {
                Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/team", new { email = stranger.Email, role = "Marketer" })).StatusCode);
            }

            Assert.Equal("MARKETER", (await SignInWithGoogleAsync(standalone, stranger)).GetProperty("role").GetString());
            Assert.Equal(1L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM users WHERE email = '{stranger.Email}' AND google_id = '{stranger.Id}'"));

            // A configured admin needs nobody to add them.
            var admin2 = new FakeGoogleAccount("g-" + Guid.NewGuid().ToString("N")[..10], boss, "Boss", "https://example.test/b.png", HostedDomain: AppHostFixture.AllowedDomain);
            Assert.Equal("ADMIN", (await SignInWithGoogleAsync(standalone, admin2)).GetProperty("role").GetString());
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    private async Task<JsonElement> SignInWithGoogleAsync(Uri api, FakeGoogleAccount account)
    {
        using var browser = new BrowserSession(api);
        using var signedIn = await browser.Client.GetAsync(await ToCallbackAsync(browser, account));
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        return await browser.Client.GetFromJsonAsync<JsonElement>("/api/me", Json);
    }

    /// <summary>From the Api's sign-in link to the URL Google sends the browser back to (not yet followed).</summary>
    private async Task<string> ToCallbackAsync(BrowserSession browser, FakeGoogleAccount account)
    {
        fixture.Google.NextAccount = account;
        using var start = await browser.Client.GetAsync("/auth/signin/google?returnUrl=/api/me");
        Assert.Equal(HttpStatusCode.Redirect, start.StatusCode);
        var authorize = start.Headers.Location!;
        Assert.StartsWith(fixture.Google.BaseAddress + "/authorize", authorize.ToString());
        Assert.Contains($"client_id={Uri.EscapeDataString(FakeGoogle.ClientId)}", authorize.Query);

        using var google = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using var chosen = await google.GetAsync(authorize);
        Assert.Equal(HttpStatusCode.Redirect, chosen.StatusCode);
        var callback = chosen.Headers.Location!;
        Assert.Equal("/signin-google", callback.AbsolutePath);
        return callback.PathAndQuery;
    }

    private BrowserSession Browser() => new(fixture.App.GetEndpoint("api", "http"));

    /// <summary>Cookies kept, redirects not followed: each hop is checked.</summary>
    private sealed class BrowserSession(Uri api) : IDisposable
    {
        public HttpClient Client { get; } = new(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer(), UseCookies = true }) { BaseAddress = api };

        public void Dispose() => Client.Dispose();
    }
}
