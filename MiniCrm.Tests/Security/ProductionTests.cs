using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.Testing;
using MiniCrm.Tests.Infrastructure;

namespace MiniCrm.Tests.Security;

/// <summary>
/// The Api as it runs in Production, started as its own process on the shared system's database
/// and Kafka: the development sign-in does not exist there even when configured on, and the OpenAPI
/// document is for signed-in marketers only.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class ProductionTests(AppHostFixture fixture)
{
    [Fact]
    public async Task In_production_the_development_sign_in_is_absent_even_when_configured_on()
    {
        var port = TestAppHost.FreePort();
        var (api, output) = await StandaloneApi.StartAsync(fixture, port, "Production", new() { ["Authentication__DevelopmentSignIn"] = "true" });
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await StandaloneApi.WaitHealthyAsync(api, output, http);

            using var signIn = await http.PostAsJsonAsync("/auth/development/signin", new { email = "intruder@example.com", name = "Intruder" });
            // Not there: an unknown route, which the fallback policy answers 401 to the signed-out (it reveals no routes).
            Assert.True(signIn.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Unauthorized, $"{(int)signIn.StatusCode}");
            Assert.False(signIn.Headers.Contains("Set-Cookie"));
            var methods = await http.GetFromJsonAsync<JsonElement>("/auth/methods");
            Assert.False(methods.GetProperty("development").GetBoolean());
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/openapi/v1.json")).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/customers")).StatusCode);
            Assert.Equal(0L, await fixture.ScalarAsync<long>("SELECT count(*) FROM users WHERE email = 'intruder@example.com'"));
        }
        finally
        {
            api.Kill(entireProcessTree: true);
            await api.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task In_production_google_without_an_allow_list_stops_the_api_with_the_setting_named()
    {
        var (api, output) = await StandaloneApi.StartAsync(fixture, TestAppHost.FreePort(), "Production", new()
        {
            ["Authentication__Google__ClientId"] = "production-test.apps.googleusercontent.com",
            ["Authentication__Google__ClientSecret"] = "not-a-real-secret",
        });
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await api.WaitForExitAsync(timeout.Token);
            Assert.NotEqual(0, api.ExitCode);
            Assert.Contains("Authentication:AllowedEmailDomains", StandaloneApi.Text(output));
            Assert.Contains("Authentication:AllowAnyGoogleAccount", StandaloneApi.Text(output));
            Assert.DoesNotContain("not-a-real-secret", StandaloneApi.Text(output));
        }
        finally
        {
            if (!api.HasExited)
            {
                api.Kill(entireProcessTree: true);
            }
        }
    }
}
