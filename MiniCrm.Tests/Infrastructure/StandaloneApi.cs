using System.Diagnostics;
using System.Net;
using System.Text;
using Aspire.Hosting.Testing;

namespace MiniCrm.Tests.Infrastructure;

/// <summary>
/// The Api as a process of its own, on the shared system's database and Kafka, with an environment and settings the
/// shared system does not have (Production; a rate limit as shipped); its output collected.
/// </summary>
public static class StandaloneApi
{
    public static async Task<(Process Api, StringBuilder Output)> StartAsync(AppHostFixture fixture, int port, string environment, Dictionary<string, string> settings)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = TerminalAppHost.RepositoryRoot };
        foreach (var argument in (string[])["run", "--project", "MiniCrm.Api", "--no-build", "--no-launch-profile"])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = environment;
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["ConnectionStrings__crmdb"] = fixture.DatabaseConnectionString;
        start.Environment["ConnectionStrings__kafka"] = (await fixture.App.GetConnectionStringAsync("kafka"))!;
        foreach (var (name, value) in settings)
        {
            start.Environment[name] = value;
        }

        var api = Process.Start(start)!;
        var output = new StringBuilder();
        api.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        api.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        api.BeginOutputReadLine();
        api.BeginErrorReadLine();
        return (api, output);
    }

    /// <summary>Waits for the process's health endpoint; fails with its output if it exits first.</summary>
    public static Task WaitHealthyAsync(Process api, StringBuilder output, HttpClient http) =>
        AppHostFixture.EventuallyAsync(async () =>
        {
            try
            {
                return (await http.GetAsync("/health")).StatusCode == HttpStatusCode.OK;
            }
            catch (HttpRequestException)
            {
                return !api.HasExited ? false : throw new InvalidOperationException("The Api exited: " + Text(output));
            }
        }, TimeSpan.FromMinutes(2), () => "the Api to start: " + Text(output));

    public static string Text(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
