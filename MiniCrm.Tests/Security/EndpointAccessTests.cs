using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Aspire.Hosting.Testing;
using MiniCrm.Tests.Infrastructure;

namespace MiniCrm.Tests.Security;

public sealed record MappedEndpoint(string Pattern, string[] Methods, string Access);

/// <summary>
/// The authorization map of every service: each mapped endpoint says who may call it (a marketer's
/// policy, a machine credential, or anonymous), anonymous ones are only those on the allow-list, and
/// every other endpoint, called with no credentials at all, answers 401.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class EndpointAccessTests(AppHostFixture fixture)
{
    /// <summary>
    /// Anonymous by design: health, sign-in (its routes and its page) and sign-out, the unsubscribe link's page (its signed token is the
    /// credential), and (in Development) the OpenAPI document and API reference.
    /// </summary>
    private static readonly string[] AnonymousAllowed =
        ["/health", "/alive", "/auth/methods", "/auth/signin/google", "/auth/signout", "/auth/development/signin", "/u/{token}", "/signin",
         "/openapi/{documentName}.json", "/scalar/{documentName?}", "/scalar/"];

    [Theory]
    [InlineData("api")]
    [InlineData("workers")]
    [InlineData("vendorsim")]
    [InlineData("ingest")]
    public async Task Every_endpoint_declares_who_may_call_it_and_refuses_anyone_without_credentials(string service)
    {
        using var ops = fixture.WithOpsKey(service);
        var endpoints = await ops.GetFromJsonAsync<MappedEndpoint[]>("/ops/endpoints", new JsonSerializerOptions(JsonSerializerDefaults.Web));
        Assert.NotNull(endpoints);
        Assert.Contains(endpoints, e => e.Pattern == "/health");

        var unspecified = endpoints.Where(e => e.Access == "unspecified").Select(e => e.Pattern).ToList();
        Assert.True(unspecified.Count == 0, $"{service}: endpoints that do not say who may call them: {string.Join(", ", unspecified)}");
        var open = endpoints.Where(e => e.Access == "anonymous" && !AnonymousAllowed.Any(a => e.Pattern.StartsWith(a, StringComparison.Ordinal)) && !IsStaticAsset(e.Pattern))
            .Select(e => e.Pattern).ToList();
        Assert.True(open.Count == 0, $"{service}: anonymous endpoints not on the allow-list: {string.Join(", ", open)}");

        using var anonymous = fixture.Client(service);
        var answers = new List<string>();
        foreach (var endpoint in endpoints.Where(e => e.Access != "anonymous"))
        {
            foreach (var method in endpoint.Methods.DefaultIfEmpty("GET"))
            {
                var path = System.Text.RegularExpressions.Regex.Replace(endpoint.Pattern, "{[^}]+}", Guid.NewGuid().ToString());
                using var request = new HttpRequestMessage(new HttpMethod(method), path);
                if (method is "POST" or "PUT" or "PATCH")
                {
                    request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
                }

                using var response = await anonymous.SendAsync(request);
                if (response.StatusCode != HttpStatusCode.Unauthorized)
                {
                    answers.Add($"{method} {path} ({endpoint.Access}): {(int)response.StatusCode}");
                }
            }
        }

        Assert.True(answers.Count == 0, $"{service}: answered without credentials: {string.Join("; ", answers)}");
    }

    /// <summary>
    /// The web app's files (its stylesheet, script and icon, Blazor's script), each mapped by MapStaticAssets from the
    /// build's manifest: a file name under the app's folders, with no route parameters, so never a page or an API.
    /// </summary>
    private static bool IsStaticAsset(string pattern) =>
        (pattern.StartsWith("assets/", StringComparison.Ordinal) || pattern.StartsWith("_framework/blazor.", StringComparison.Ordinal)) &&
        !pattern.Contains('{') && System.IO.Path.HasExtension(pattern);

    [Fact]
    public async Task The_api_answers_with_security_headers()
    {
        using var api = fixture.AnonymousApi();
        using var response = await api.GetAsync("/api/customers");
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Contains("frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Contains("default-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Fact]
    public async Task Wrong_keys_are_refused_by_every_machine_endpoint()
    {
        using var ingest = fixture.Client("ingest");
        ingest.DefaultRequestHeaders.Add("X-Ops-Key", "not-the-key");
        Assert.Equal(HttpStatusCode.Unauthorized, (await ingest.PostAsync("/seed?customers=1&orders=0", null)).StatusCode);

        using var vendor = fixture.Client("vendorsim");
        vendor.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "not-the-key");
        using var delivery = await vendor.PostAsJsonAsync("/deliveries", new { campaignId = Guid.NewGuid(), deliveries = new[] { new { deliveryId = Guid.NewGuid(), customerId = Guid.NewGuid(), name = "A", email = "a@example.com", message = "Hi" } } });
        Assert.Equal(HttpStatusCode.Unauthorized, delivery.StatusCode);

        using var api = fixture.Client("api");
        api.DefaultRequestHeaders.Add("X-Api-Key", "not-the-key");
        using var customers = await api.PostAsJsonAsync("/api/customers", new { name = "Asha", email = "wrong.key@example.com", city = "Pune" });
        Assert.Equal(HttpStatusCode.Unauthorized, customers.StatusCode);
    }
}
