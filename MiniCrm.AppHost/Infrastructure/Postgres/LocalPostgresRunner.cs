using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace MiniCrm.AppHost.Infrastructure.Postgres;

/// <summary>
/// Runs the Local-mode PostgreSQL server as a child process of the AppHost: initialises the data
/// folder on first run, starts the server in its own session (so Ctrl+C reaches the AppHost, which
/// stops the services first and the database last), creates the declared databases, and reports
/// state and logs to the dashboard. A server left behind by a killed AppHost is stopped first.
/// </summary>
internal sealed class LocalPostgresRunner(
    ResourceNotificationService notifications,
    ResourceLoggerService resourceLogs,
    ILogger<LocalPostgresRunner> logger) : IHostedLifecycleService, IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _commands = new(1, 1);
    private Process? _server;
    private Task _run = Task.CompletedTask;
    private LocalPostgresServerResource? _resource;
    private string _repositoryRoot = "";
    private volatile bool _stoppedOnRequest;

    public void Start(LocalPostgresServerResource resource, string repositoryRoot)
    {
        _resource = resource;
        _repositoryRoot = repositoryRoot;
        _run = RunAsync(resource, repositoryRoot, _stopping.Token);
    }

    public bool IsRunning => _server is { HasExited: false } && !_run.IsCompleted;

    public bool CanStart => _run.IsCompleted && !_stopping.IsCancellationRequested;

    /// <summary>
    /// The dashboard's Stop: a fast shutdown of the server while the system keeps running, as an
    /// outage or a database restart looks to the services. The data folder stays; Start resumes it.
    /// </summary>
    public async Task<ExecuteCommandResult> StopOnRequestAsync()
    {
        await _commands.WaitAsync();
        try
        {
            if (!IsRunning)
            {
                return CommandResults.Failure("PostgreSQL is not running.");
            }

            _stoppedOnRequest = true;
            var server = _server!;
            logger.LogWarning("Stopping the local PostgreSQL server (pid {Pid}) on request; the services lose their database until it is started again.", server.Id);
            await StopProcessAsync(server.Id, () => server.HasExited);
            await _run;
            return CommandResults.Success();
        }
        finally
        {
            _commands.Release();
        }
    }

    /// <summary>The dashboard's Start after a Stop (or after the server exited): the same start-up as the first one.</summary>
    public async Task<ExecuteCommandResult> StartOnRequestAsync()
    {
        await _commands.WaitAsync();
        try
        {
            if (!CanStart || _resource is null)
            {
                return CommandResults.Failure(IsRunning ? "PostgreSQL is running already." : "The AppHost is stopping.");
            }

            _stoppedOnRequest = false;
            logger.LogInformation("Starting the local PostgreSQL server again on request.");
            _run = RunAsync(_resource, _repositoryRoot, _stopping.Token);
            return CommandResults.Success();
        }
        finally
        {
            _commands.Release();
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs after every hosted service has stopped, the orchestrator among them: the database goes last.</summary>
    public Task StoppedAsync(CancellationToken cancellationToken) => StopServerAsync();

    /// <summary>
    /// A host that never finished starting (Ctrl+C while the services were still coming up: "Hosting
    /// failed to start") is disposed without StoppedAsync; the server must not outlive it then either.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        await StopServerAsync();
        _stopping.Dispose();
        _commands.Dispose();
    }

    private async Task StopServerAsync()
    {
        if (_stopping.IsCancellationRequested && _server is null or { HasExited: true })
        {
            return;
        }

        // Cancel the start-up first and let it end, so the server it may still be starting is known here.
        await _stopping.CancelAsync();
        try
        {
            await _run;
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
            // Disposed while starting: the dashboard's notifications are gone with the host.
        }

        if (_server is { HasExited: false } server)
        {
            logger.LogInformation("Stopping the local PostgreSQL server (pid {Pid}).", server.Id);
            await StopProcessAsync(server.Id, () => server.HasExited);
        }
    }

    private async Task RunAsync(LocalPostgresServerResource resource, string repositoryRoot, CancellationToken ct)
    {
        var log = resourceLogs.GetLogger(resource);
        var options = resource.Options;
        var dataDirectory = options.ResolvedDataDirectory(repositoryRoot);
        await PublishAsync(resource, KnownResourceStates.Starting, dataDirectory);

        try
        {
            await StopLeftoverServerAsync(dataDirectory, log);

            var problems = options.Preflight(ProcessSignals.IsRoot, OsUserExists);
            if (problems.Count > 0)
            {
                throw new LocalPostgresException(string.Join(Environment.NewLine, problems));
            }

            var bin = options.FindBinDirectory()!;
            var password = await resource.PasswordParameter.GetValueAsync(ct)
                ?? throw new LocalPostgresException("The postgres-password parameter has no value.");

            await InitialiseAsync(bin, dataDirectory, options, log, ct);
            var socketDirectory = SocketDirectory(dataDirectory, options.Port);
            _server = StartServer(bin, dataDirectory, socketDirectory, options, log);
            await WaitUntilReadyAsync(_server, socketDirectory, options.Port, ct);
            await ConfigureAsync(resource, socketDirectory, password, log, ct);

            log.LogInformation("PostgreSQL is ready on 127.0.0.1:{Port}, data in {DataDirectory}.", options.Port, dataDirectory);
            await PublishAsync(resource, KnownResourceStates.Running, dataDirectory, _server.Id);

            await _server.WaitForExitAsync(ct);
            if (_stoppedOnRequest)
            {
                log.LogWarning("PostgreSQL was stopped on request (code {ExitCode}); Start brings it back with its data.", _server.ExitCode);
            }
            else
            {
                log.LogError("PostgreSQL exited unexpectedly with code {ExitCode}.", _server.ExitCode);
            }

            await PublishAsync(resource, KnownResourceStates.Exited, dataDirectory, exitCode: _server.ExitCode);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await PublishAsync(resource, KnownResourceStates.Finished, dataDirectory);
        }
        catch (Exception ex)
        {
            // The console line is for `dotnet run`; the resource log is for the dashboard.
            var message = ex is LocalPostgresException ? ex.Message : ex.ToString();
            logger.LogError("The local PostgreSQL server could not start:{NewLine}{Message}", Environment.NewLine, message);
            log.LogError("{Message}", message);
            await PublishAsync(resource, KnownResourceStates.FailedToStart, dataDirectory);
            if (_server is { HasExited: false } server)
            {
                await StopProcessAsync(server.Id, () => server.HasExited);
            }
        }
    }

    private async Task InitialiseAsync(string bin, string dataDirectory, LocalPostgresOptions options, ILogger log, CancellationToken ct)
    {
        var versionFile = Path.Combine(dataDirectory, "PG_VERSION");
        var binaryVersion = Path.GetFileName(Path.GetDirectoryName(bin)!);
        if (File.Exists(versionFile))
        {
            var dataVersion = (await File.ReadAllTextAsync(versionFile, ct)).Trim();
            if (int.TryParse(binaryVersion, out _) && dataVersion != binaryVersion)
            {
                throw new LocalPostgresException(
                    $"The data folder {dataDirectory} was created by PostgreSQL {dataVersion}, but the binaries in {bin} are version {binaryVersion}. " +
                    "Delete the folder to start afresh, or set LocalPostgres:DataDirectory to another folder.");
            }

            log.LogInformation("Using the existing data folder {DataDirectory} (PostgreSQL {Version}).", dataDirectory, dataVersion);
            return;
        }

        log.LogInformation("Initialising a new data folder {DataDirectory}.", dataDirectory);
        Directory.CreateDirectory(dataDirectory);
        if (ProcessSignals.IsRoot)
        {
            await RunCheckedAsync("chown", [$"{options.OsUser}:", dataDirectory], ct);
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(dataDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        // Local socket connections are trusted (only this machine's users reach the socket, which
        // lives in the private data folder); TCP connections need the password.
        var (exitCode, output) = await ProcessSignals.RunAsync(
            AsServerUser(options, Path.Combine(bin, "initdb"), out var initdbArgs),
            [.. initdbArgs, "-D", dataDirectory, "-U", LocalPostgresServerResource.UserName, "-E", "UTF8", "--locale=C",
             "--auth-local=trust", "--auth-host=scram-sha-256"],
            ct);
        log.LogInformation("{Output}", output);
        if (exitCode != 0)
        {
            TryDelete(dataDirectory);
            throw new LocalPostgresException(
                $"initdb failed with code {exitCode}: {output}{Environment.NewLine}" +
                (ProcessSignals.IsRoot
                    ? $"When the AppHost runs as root, the user '{options.OsUser}' must be able to reach {dataDirectory}: every parent folder needs o+x, or set LocalPostgres:DataDirectory to a folder such as /var/lib/minicrm/postgres."
                    : $"Check that {dataDirectory} is writable, or set LocalPostgres:DataDirectory."));
        }
    }

    private Process StartServer(string bin, string dataDirectory, string socketDirectory, LocalPostgresOptions options, ILogger log)
    {
        // setsid: a session of its own, so the terminal's Ctrl+C does not stop the database before the services.
        var startInfo = new ProcessStartInfo("setsid")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var executable = AsServerUser(options, Path.Combine(bin, "postgres"), out var prefix);
        startInfo.ArgumentList.Add(executable);
        foreach (var argument in prefix)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var argument in (string[])["-D", dataDirectory, "-p", options.Port.ToString(), "-k", socketDirectory])
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in options.Settings)
        {
            startInfo.ArgumentList.Add("-c");
            startInfo.ArgumentList.Add($"{name}={value}");
        }

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) log.LogInformation("{Line}", e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) log.LogInformation("{Line}", e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        logger.LogInformation("Started the local PostgreSQL server (pid {Pid}) on port {Port}.", process.Id, options.Port);
        return process;
    }

    private static async Task WaitUntilReadyAsync(Process server, string socketDirectory, int port, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + ReadyTimeout;
        while (true)
        {
            if (server.HasExited)
            {
                throw new LocalPostgresException(
                    $"PostgreSQL exited with code {server.ExitCode} while starting; its log above says why.");
            }

            try
            {
                await using var connection = new NpgsqlConnection(SocketConnectionString(socketDirectory, port));
                await connection.OpenAsync(ct);
                return;
            }
            catch (NpgsqlException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(250, ct);
            }
            catch (NpgsqlException ex)
            {
                throw new LocalPostgresException($"PostgreSQL did not accept connections within {ReadyTimeout.TotalSeconds:0} s: {ex.Message}");
            }
        }
    }

    /// <summary>Sets the password from the Aspire parameter (it may change between runs) and creates missing databases.</summary>
    private static async Task ConfigureAsync(LocalPostgresServerResource resource, string socketDirectory, string password, ILogger log, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(SocketConnectionString(socketDirectory, resource.Options.Port));
        await connection.OpenAsync(ct);

        await using (var alter = new NpgsqlCommand(
            $"ALTER ROLE {LocalPostgresServerResource.UserName} PASSWORD {QuoteLiteral(password)}", connection))
        {
            await alter.ExecuteNonQueryAsync(ct);
        }

        foreach (var database in resource.Databases)
        {
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection);
            exists.Parameters.AddWithValue(database.DatabaseName);
            if (await exists.ExecuteScalarAsync(ct) is not null)
            {
                continue;
            }

            await using var create = new NpgsqlCommand($"CREATE DATABASE {QuoteIdentifier(database.DatabaseName)}", connection);
            await create.ExecuteNonQueryAsync(ct);
            log.LogInformation("Created database {Database}.", database.DatabaseName);
        }
    }

    /// <summary>
    /// An AppHost killed without a chance to stop its children leaves the server running on the
    /// data folder; postgres records its pid in postmaster.pid. Stop it so this run owns the folder.
    /// </summary>
    private async Task StopLeftoverServerAsync(string dataDirectory, ILogger log)
    {
        var pidFile = Path.Combine(dataDirectory, "postmaster.pid");
        if (!File.Exists(pidFile) ||
            !int.TryParse((await File.ReadAllLinesAsync(pidFile)).FirstOrDefault(), out var pid) ||
            !ProcessSignals.IsAlive(pid))
        {
            return;
        }

        log.LogWarning("A PostgreSQL server from an earlier run (pid {Pid}) is still using {DataDirectory}; stopping it.", pid, dataDirectory);
        logger.LogWarning("Stopping a PostgreSQL server left running by an earlier run (pid {Pid}).", pid);
        await StopProcessAsync(pid, () => !ProcessSignals.IsAlive(pid));
    }

    /// <summary>SIGINT is PostgreSQL's fast shutdown: it rolls back open transactions and exits cleanly.</summary>
    private static async Task StopProcessAsync(int pid, Func<bool> hasExited)
    {
        ProcessSignals.Send(pid, ProcessSignals.SigInt);
        var deadline = DateTime.UtcNow + StopTimeout;
        while (!hasExited() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        if (!hasExited())
        {
            ProcessSignals.Send(pid, ProcessSignals.SigKill);
        }
    }

    private static string AsServerUser(LocalPostgresOptions options, string executable, out string[] arguments)
    {
        if (!ProcessSignals.IsRoot)
        {
            arguments = [];
            return executable;
        }

        // setpriv replaces itself with the server, so signals reach postgres directly.
        arguments = [$"--reuid={options.OsUser}", $"--regid={options.OsUser}", "--init-groups", executable];
        return "setpriv";
    }

    private static string SocketDirectory(string dataDirectory, int port)
    {
        // Unix socket paths are limited to 107 bytes.
        var socketPath = Path.Combine(dataDirectory, $".s.PGSQL.{port}");
        return socketPath.Length < 100 ? dataDirectory : Path.GetTempPath();
    }

    private static string SocketConnectionString(string socketDirectory, int port) => new NpgsqlConnectionStringBuilder
    {
        Host = socketDirectory,
        Port = port,
        Username = LocalPostgresServerResource.UserName,
        Database = "postgres",
        Pooling = false,
        Timeout = 5,
    }.ConnectionString;

    private static bool OsUserExists(string user) =>
        File.ReadLines("/etc/passwd").Any(line => line.StartsWith(user + ":", StringComparison.Ordinal));

    private static async Task RunCheckedAsync(string fileName, string[] arguments, CancellationToken ct)
    {
        var (exitCode, output) = await ProcessSignals.RunAsync(fileName, arguments, ct);
        if (exitCode != 0)
        {
            throw new LocalPostgresException($"'{fileName} {string.Join(' ', arguments)}' failed with code {exitCode}: {output}");
        }
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static string QuoteLiteral(string value) => "'" + value.Replace("'", "''") + "'";

    private static string QuoteIdentifier(string value) => "\"" + value.Replace("\"", "\"\"") + "\"";

    private async Task PublishAsync(LocalPostgresServerResource resource, string state, string dataDirectory, int? pid = null, int? exitCode = null)
    {
        var style = state switch
        {
            _ when state == KnownResourceStates.Running => KnownResourceStateStyles.Success,
            _ when state == KnownResourceStates.FailedToStart || state == KnownResourceStates.Exited => KnownResourceStateStyles.Error,
            _ => KnownResourceStateStyles.Info,
        };

        await notifications.PublishUpdateAsync(resource, s => s with
        {
            State = new ResourceStateSnapshot(state, style),
            ExitCode = exitCode,
            StartTimeStamp = state == KnownResourceStates.Running ? DateTime.UtcNow : s.StartTimeStamp,
            StopTimeStamp = KnownResourceStates.TerminalStates.Contains(state) ? DateTime.UtcNow : s.StopTimeStamp,
            Properties = [
                .. s.Properties.Where(p => p.Name is not ("pid" or "data.directory" or "port")),
                new("data.directory", dataDirectory),
                new("port", resource.Options.Port),
                .. pid is { } id ? [new ResourcePropertySnapshot("pid", id)] : Array.Empty<ResourcePropertySnapshot>(),
            ],
        });

        foreach (var database in resource.Databases)
        {
            await notifications.PublishUpdateAsync(database, s => s with
            {
                State = new ResourceStateSnapshot(state, style),
                StartTimeStamp = state == KnownResourceStates.Running ? DateTime.UtcNow : s.StartTimeStamp,
            });
        }
    }
}

internal sealed class LocalPostgresException(string message) : Exception(message);
