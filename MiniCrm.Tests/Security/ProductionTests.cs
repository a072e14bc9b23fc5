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
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = TerminalAppHost.RepositoryRoot };
        foreach (var argument in (string[])["run", "--project", "MiniCrm.Api", "--no-build", "--no-launch-profile"])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["ConnectionStrings__crmdb"] = fixture.DatabaseConnectionString;
        start.Environment["ConnectionStrings__kafka"] = (await fixture.App.GetConnectionStringAsync("kafka"))!;
        start.Environment["Authentication__DevelopmentSignIn"] = "true";
        using var api = System.Diagnostics.Process.Start(start)!;
        var output = new System.Text.StringBuilder();
        api.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        api.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        api.BeginOutputReadLine();
        api.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await AppHostFixture.EventuallyAsync(async () =>
            {
                try
                {
                    return (await http.GetAsync("/health")).StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                    return !api.HasExited ? false : throw new InvalidOperationException("The Api exited: " + output);
                }
            }, TimeSpan.FromMinutes(2), () => "the Production Api to start: " + output);

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
}
