using System.Diagnostics;

namespace MiniCrm.Tests.Infrastructure;

/// <summary>
/// The AppHost as a person runs it: <c>dotnet run --project MiniCrm.AppHost</c> in a terminal (tmux),
/// stopped with Ctrl+C typed into that terminal. A background job of a script ignores SIGINT, so only a
/// terminal gives the signal exactly as a person does. Its own PostgreSQL port, data folder and
/// dashboard ports, so it runs beside the shared test AppHost.
/// </summary>
public sealed class TerminalAppHost : IDisposable
{
    private readonly string _session = "minicrm-test-" + Guid.NewGuid().ToString("N")[..8];

    private TerminalAppHost(string dataRoot, int postgresPort)
    {
        DataRoot = dataRoot;
        PostgresPort = postgresPort;
        LogFile = Path.Combine(dataRoot, $"apphost-{DateTime.UtcNow:HHmmssfff}.log");
    }

    public string DataRoot { get; }

    public int PostgresPort { get; }

    public string LogFile { get; }

    public string PostgresDataDirectory => Path.Combine(DataRoot, "postgres");

    public static TerminalAppHost Start(string dataRoot, params string[] arguments) => Start(dataRoot, TestAppHost.FreePort(), arguments);

    /// <summary>Starts the AppHost on <paramref name="dataRoot"/>; a second start on the same folder and port is the first system restarted.</summary>
    public static TerminalAppHost Start(string dataRoot, int postgresPort, params string[] arguments)
    {
        Directory.CreateDirectory(dataRoot);
        var host = new TerminalAppHost(dataRoot, postgresPort);
        var args = string.Join(" ", TestAppHost.Arguments(dataRoot, arguments).Select(a => $"'{a}'")
            .Select(a => a.Contains("LocalPostgres:Port=") ? $"'--LocalPostgres:Port={host.PostgresPort}'" : a));
        var environment = string.Join(" ",
            "ASPNETCORE_ENVIRONMENT=Development", "DOTNET_ENVIRONMENT=Development", "ASPIRE_ALLOW_UNSECURED_TRANSPORT=true",
            $"ASPNETCORE_URLS=http://localhost:{TestAppHost.FreePort()}",
            $"ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL=http://localhost:{TestAppHost.FreePort()}",
            $"ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL=http://localhost:{TestAppHost.FreePort()}");
        var command = $"cd '{RepositoryRoot}' && exec env {environment} dotnet run --project MiniCrm.AppHost --no-build --no-launch-profile -- {args} > '{host.LogFile}' 2>&1";
        Run("tmux", "new-session", "-d", "-s", host._session, "-x", "200", "-y", "50", command);
        return host;
    }

    public static string RepositoryRoot
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "MiniCrm.sln")))
            {
                directory = directory.Parent;
            }

            return directory?.FullName ?? throw new InvalidOperationException("MiniCrm.sln not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>The Api's fixed development address (its launch profile), as a person's curl uses it.</summary>
    public static readonly Uri ApiAddress = new("http://localhost:5080");

    /// <summary>The AppHost's generated parameters, from its user secrets (where the first run keeps them).</summary>
    public static string Secret(string name)
    {
        var file = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".microsoft", "usersecrets", "minicrm-apphost-6f1c2a4e", "secrets.json");
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(file));
        return json.RootElement.GetProperty($"Parameters:{name}").GetString()!;
    }

    public string DatabaseConnectionString => new Npgsql.NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = PostgresPort,
        Username = "postgres",
        Password = Secret("postgres-password"),
        Database = "crmdb",
        Pooling = false,
    }.ConnectionString;

    public async Task<long> CountAsync(string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    /// <summary>Waits until every service answers its /health: the Api at its fixed address, the database through it.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { BaseAddress = ApiAddress, Timeout = TimeSpan.FromSeconds(5) };
        await AppHostFixture.EventuallyAsync(async () =>
        {
            if (!IsRunning)
            {
                Assert.Fail("The AppHost exited while starting:\n" + Tail(Log));
            }

            try
            {
                return (await http.GetAsync("/health")).IsSuccessStatusCode && Log.Contains("Distributed application started");
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        }, timeout, () => "the system to be ready; the AppHost's log:\n" + Tail(Log));
    }

    /// <summary>Runs a project's command line to its end, as a developer does in a second terminal.</summary>
    public static Task<(int ExitCode, string Output)> RunProjectAsync(string project, TimeSpan timeout, params string[] arguments) =>
        CommandLine.RunAsync("dotnet", ["run", "--project", project, "--no-build", "--", .. arguments], timeout, RepositoryRoot,
            new Dictionary<string, string> { ["DOTNET_ENVIRONMENT"] = "Development" });

    public bool IsRunning => Run("tmux", "has-session", "-t", _session) == 0;

    public string Log => File.Exists(LogFile) ? File.ReadAllText(LogFile) : "";

    /// <summary>Ctrl+C, typed into the terminal.</summary>
    public void PressCtrlC() => Run("tmux", "send-keys", "-t", _session, "C-c");

    public async Task WaitForExitAsync(TimeSpan timeout) =>
        await AppHostFixture.EventuallyAsync(() => Task.FromResult(!IsRunning), timeout, () => "the AppHost to exit after Ctrl+C; its log:\n" + Tail(Log));

    public static string Tail(string text, int lines = 40) => string.Join("\n", text.Split('\n').TakeLast(lines));

    /// <summary>Processes whose command line names this run's data folder (its PostgreSQL, or anything started with its arguments).</summary>
    public IReadOnlyList<string> ProcessesUsingDataRoot() =>
        Directory.EnumerateDirectories("/proc")
            .Where(d => int.TryParse(Path.GetFileName(d), out var pid) && pid != Environment.ProcessId)
            .Select(d =>
            {
                try
                {
                    return File.ReadAllText(Path.Combine(d, "cmdline")).Replace('\0', ' ');
                }
                catch (IOException)
                {
                    return "";
                }
                catch (UnauthorizedAccessException)
                {
                    return "";
                }
            })
            .Where(cmd => cmd.Contains(DataRoot, StringComparison.Ordinal))
            .ToList();

    public void Dispose()
    {
        if (IsRunning)
        {
            Run("tmux", "kill-session", "-t", _session);
        }
    }

    private static int Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        process.WaitForExit();
        return process.ExitCode;
    }
}
