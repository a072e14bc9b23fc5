using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Aspire.Hosting.Testing;
using MiniCrm.Tests.Infrastructure;

namespace MiniCrm.Tests.Security;

/// <summary>The holes a security review found (issue 21), each reproduced against the running system.</summary>
[Collection(AppHostCollection.Name)]
public sealed class SecurityFindingsTests(AppHostFixture fixture)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Theory]
    [InlineData("/%09/example.com")]
    [InlineData("/%0a/example.com")]
    [InlineData("//example.com")]
    [InlineData("/%5Cexample.com")]
    [InlineData("https://example.com")]
    public async Task A_return_address_that_leaves_the_site_is_not_kept_by_the_sign_in_page(string returnUrl)
    {
        using var anonymous = fixture.AnonymousApi();
        var page = await anonymous.GetStringAsync($"/signin?returnUrl={returnUrl}");
        Assert.Contains("data-return-url=\"/\"", page);
    }

    [Fact]
    public async Task A_request_from_another_site_with_the_session_cookie_changes_nothing()
    {
        using var api = fixture.Api();
        var city = await Pipeline.SavedSegmentTests.CustomersOfAsync(fixture, 1);
        using var launched = await api.PostAsJsonAsync("/api/campaigns", new
        {
            name = "Forgery target " + city,
            rules = Pipeline.SavedSegmentTests.CityRules(city),
            message = "Hi {{name}}",
            sendAt = DateTimeOffset.UtcNow.AddDays(30).ToString("O"),
        });
        Assert.Equal(HttpStatusCode.Created, launched.StatusCode);
        var campaign = (await launched.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("id").GetGuid();
        var customer = await fixture.ScalarAsync<Guid>($"SELECT id FROM customers WHERE city = '{city}' AND unsubscribed_at IS NULL LIMIT 1");
        var origin = api.BaseAddress!.GetLeftPart(UriPartial.Authority);

        // As a page on another port of the same host (same-site, so SameSite=Lax sends the cookie) would post them: no body, a form type.
        foreach (var path in new[] { $"/api/campaigns/{campaign}/cancel", $"/api/campaigns/{campaign}/pause", $"/api/campaigns/{campaign}/resume",
                                     $"/api/customers/{customer}/unsubscribe", "/auth/signout" })
        {
            using var forged = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent([]) };
            forged.Headers.Add("Origin", "http://localhost:8000");
            forged.Headers.Add("Sec-Fetch-Site", "same-site");
            using var answer = await api.SendAsync(forged);
            Assert.True(answer.StatusCode == HttpStatusCode.Forbidden, $"{path}: {(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync()}");
        }

        using var fromAnotherOrigin = new HttpRequestMessage(HttpMethod.Post, $"/api/campaigns/{campaign}/cancel");
        fromAnotherOrigin.Headers.Add("Origin", "http://evil.example");
        Assert.Equal(HttpStatusCode.Forbidden, (await api.SendAsync(fromAnotherOrigin)).StatusCode);

        // The pages' hub acts as the marketer too: its negotiation from another site is refused.
        using var hub = new HttpRequestMessage(HttpMethod.Post, "/_blazor/negotiate?negotiateVersion=1");
        hub.Headers.Add("Origin", "http://localhost:8000");
        Assert.Equal(HttpStatusCode.Forbidden, (await api.SendAsync(hub)).StatusCode);

        Assert.Equal("SCHEDULED", await fixture.ScalarAsync<string>($"SELECT status FROM campaigns WHERE id = '{campaign}'"));
        Assert.Equal(0L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM customers WHERE id = '{customer}' AND unsubscribed_at IS NOT NULL"));
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/me")).StatusCode); // still signed in

        // From this site's own pages it works.
        using var own = new HttpRequestMessage(HttpMethod.Post, $"/api/campaigns/{campaign}/cancel");
        own.Headers.Add("Origin", origin);
        own.Headers.Add("Sec-Fetch-Site", "same-origin");
        Assert.Equal(HttpStatusCode.OK, (await api.SendAsync(own)).StatusCode);
        Assert.Equal("CANCELLED", await fixture.ScalarAsync<string>($"SELECT status FROM campaigns WHERE id = '{campaign}'"));
    }

    [Fact]
    public async Task Bad_unsubscribe_links_from_one_address_do_not_lock_anyone_out_of_signing_in()
    {
        // The rate limits as shipped (the shared system raises them for its tests): its own Api process, in Development for the sign-in.
        var port = TestAppHost.FreePort();
        var (process, output) = await StandaloneApi.StartAsync(fixture, port, "Development", new() { ["Authentication__DevelopmentSignIn"] = "true" });
        try
        {
            using var anonymous = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await StandaloneApi.WaitHealthyAsync(process, output, anonymous);
            var statuses = new List<HttpStatusCode>();
            for (var i = 0; i < 40; i++)
            {
                using var bad = await anonymous.GetAsync("/u/not-a-real-link");
                statuses.Add(bad.StatusCode);
            }

            Assert.Contains(HttpStatusCode.TooManyRequests, statuses); // the link's own bucket ran out
            using var signIn = await anonymous.PostAsJsonAsync("/auth/development/signin", new { email = $"lockout.{Guid.NewGuid():N}@minicrm.test" });
            Assert.Equal(HttpStatusCode.NoContent, signIn.StatusCode);
            using var otherLink = await anonymous.GetAsync("/u/another-link");
            Assert.NotEqual(HttpStatusCode.TooManyRequests, otherLink.StatusCode);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task A_stale_receipt_signature_is_refused_before_the_body_is_read()
    {
        // Past the 4 MiB limit: read first, this would be 413; checked first, the header alone answers.
        var body = "{\"receipts\":[" + new string(' ', 5 * 1024 * 1024) + "]}";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/receipts") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.ExpectContinue = true; // the body goes only if the Api asks for it: refused on its header, it never does
        fixture.SignAsVendor(request, body, DateTimeOffset.UtcNow.AddMinutes(-10));
        using var anonymous = fixture.AnonymousApi();
        using var answer = await anonymous.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode);
        Assert.Contains("window", await answer.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Pages_allow_no_inline_script()
    {
        using var anonymous = fixture.AnonymousApi();
        using var page = await anonymous.GetAsync("/signin");
        // Blazor adds a policy of its own (frame-ancestors); a browser enforces every one, so none may allow inline script.
        var scripts = page.Headers.GetValues("Content-Security-Policy")
            .SelectMany(policy => policy.Split(';').Select(p => p.Trim()).Where(p => p.StartsWith("script-src ", StringComparison.Ordinal)))
            .ToList();
        Assert.Equal(["script-src 'self'"], scripts);
    }
}
