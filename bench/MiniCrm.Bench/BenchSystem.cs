using System.Net.Http.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace MiniCrm.Bench;

/// <summary>
/// The whole system, started through the AppHost in Local mode on a fresh database of its own
/// (a private data folder and port), with F5's settings: what is measured is what a developer runs.
/// </summary>
public sealed class BenchSystem : IAsyncDisposable
{
    private readonly string _dataRoot;
    private string _session = "";
    private string _opsKey = "";

    private BenchSystem(DistributedApplication app, string dataRoot, string repositoryRoot, string database)
    {
        App = app;
        _dataRoot = dataRoot;
        RepositoryRoot = repositoryRoot;
        DatabaseConnectionString = database;
    }

    public DistributedApplication App { get; }

    public string RepositoryRoot { get; }

    public string DatabaseConnectionString { get; }

    public static async Task<BenchSystem> StartAsync(BenchOptions options)
    {
        var dataRoot = Path.Combine(Path.GetTempPath(), "minicrm-bench-" + Guid.NewGuid().ToString("N")[..8]);
        var port = FreePort();
        Console.WriteLine($"Starting the system (Local mode, PostgreSQL on {port}, data in {dataRoot})...");
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.MiniCrm_AppHost>(
            [$"--Infrastructure:Mode=Local", $"--LocalPostgres:DataDirectory={Path.Combine(dataRoot, "postgres")}", $"--LocalPostgres:Port={port}", "--KafkaEmulator:Port=0", .. (Environment.GetEnvironmentVariable("BENCH_PGSS") is null ? Array.Empty<string>() : ["--LocalPostgres:Settings:shared_preload_libraries=pg_stat_statements"])],
            (o, _) => o.DisableDashboard = true);
        builder.Services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        var repositoryRoot = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, ".."));

        var app = await builder.BuildAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await app.StartAsync(cts.Token);
        foreach (var name in new[] { "crmdb", "kafka", "api", "workers", "vendorsim", "ingest" })
        {
            await app.ResourceNotifications.WaitForResourceHealthyAsync(name, cts.Token);
        }

        var database = (await app.GetConnectionStringAsync("crmdb", cts.Token))!;
        var system = new BenchSystem(app, dataRoot, repositoryRoot, database);
        var model = app.Services.GetRequiredService<DistributedApplicationModel>();
        system._opsKey = (await model.Resources.OfType<ParameterResource>().Single(p => p.Name == "ops-key").GetValueAsync(cts.Token))!;
        // A marketer's session from the development sign-in (the Api runs in Development here, as on F5).
        using var anonymous = app.CreateHttpClient("api");
        using var signIn = await anonymous.PostAsJsonAsync("/auth/development/signin", new { email = "bench@minicrm.test", name = "Bench" }, cts.Token);
        signIn.EnsureSuccessStatusCode();
        var cookie = signIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("minicrm.session=", StringComparison.Ordinal));
        system._session = cookie[..cookie.IndexOf(';')];
        return system;
    }

    public HttpClient Api()
    {
        var http = App.CreateHttpClient("api");
        http.DefaultRequestHeaders.Add("Cookie", _session);
        return http;
    }

    public HttpClient Ingest()
    {
        var http = App.CreateHttpClient("ingest");
        http.DefaultRequestHeaders.Add("X-Ops-Key", _opsKey);
        http.Timeout = TimeSpan.FromMinutes(30);
        return http;
    }

    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The service's own process (not the `dotnet run` that started it), found by its binary's name.</summary>
    public static int? ProcessIdOf(string assemblyName)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var command = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
                if (command.Length > 0 && Path.GetFileName(command[0]) == assemblyName)
                {
                    return pid;
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return null;
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        try
        {
            Directory.Delete(_dataRoot, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
