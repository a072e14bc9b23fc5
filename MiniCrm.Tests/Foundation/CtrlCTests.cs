using MiniCrm.Tests.Infrastructure;

namespace MiniCrm.Tests.Foundation;

/// <summary>Ctrl+C as a person gives it, in a terminal, at the moments people give it.</summary>
[Collection(TerminalCollection.Name)]
public sealed class CtrlCTests : IDisposable
{
    private readonly string _dataRoot = Path.Combine(Path.GetTempPath(), "minicrm-ctrlc-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task Ctrl_C_while_the_system_is_still_starting_leaves_no_process_and_no_bound_port()
    {
        using var host = TerminalAppHost.Start(_dataRoot);
        var pidFile = Path.Combine(host.PostgresDataDirectory, "postmaster.pid");

        // The moment the database server is launched the orchestrator is still creating the services:
        // the host has not finished starting ("Hosting failed to start" follows the Ctrl+C).
        await AppHostFixture.EventuallyAsync(() => Task.FromResult(host.Log.Contains("Started the local PostgreSQL server") || !host.IsRunning),
            TimeSpan.FromMinutes(3), () => "PostgreSQL to start; the AppHost's log:\n" + TerminalAppHost.Tail(host.Log));
        Assert.True(host.IsRunning, "the AppHost exited before it was interrupted:\n" + TerminalAppHost.Tail(host.Log));
        host.PressCtrlC();
        await host.WaitForExitAsync(TimeSpan.FromMinutes(2));
        Assert.DoesNotContain("Distributed application started", host.Log); // it really was interrupted while starting

        await AppHostFixture.EventuallyAsync(() => Task.FromResult(host.ProcessesUsingDataRoot().Count == 0), TimeSpan.FromSeconds(30),
            () => "no process left on the data folder, but these run:\n" + string.Join("\n", host.ProcessesUsingDataRoot()) + "\nlog:\n" + TerminalAppHost.Tail(host.Log));
        Assert.False(File.Exists(pidFile), "postgres's pid file is still there:\n" + TerminalAppHost.Tail(host.Log));
        Assert.True(TestAppHost.PortIsFree(host.PostgresPort), $"port {host.PostgresPort} is still bound");
    }

    [Fact]
    public async Task Ctrl_C_right_after_Ingest_reports_its_orders_accepted_loses_none_of_them_and_orders_for_stored_customers_are_seeded()
    {
        int port;
        string stopLog;
        using (var host = TerminalAppHost.Start(_dataRoot))
        {
            port = host.PostgresPort;
            await host.WaitUntilReadyAsync(TimeSpan.FromMinutes(4));
            var (exitCode, output) = await TerminalAppHost.RunProjectAsync("MiniCrm.Ingest", TimeSpan.FromMinutes(4), "seed", "--customers", "500", "--orders", "30000");
            Assert.True(exitCode == 0, output);
            Assert.Contains("500 customers", output);
            Assert.Contains("30,000 orders", output);
            Assert.Contains("0 rejected", output);

            // Orders for customers already stored: Ingest finds them with its own ingestion key, not a marketer's session.
            (exitCode, output) = await TerminalAppHost.RunProjectAsync("MiniCrm.Ingest", TimeSpan.FromMinutes(4), "seed", "--customers", "0", "--orders", "1000");
            Assert.True(exitCode == 0, output);
            Assert.Contains("1,000 orders", output);
            Assert.Contains("0 rejected", output);

            host.PressCtrlC();
            await host.WaitForExitAsync(TimeSpan.FromMinutes(3));
            stopLog = host.Log;
        }

        using var again = TerminalAppHost.Start(_dataRoot, port);
        await again.WaitUntilReadyAsync(TimeSpan.FromMinutes(4));
        Assert.Equal(500, await again.CountAsync("SELECT count(*) FROM customers"));
        Assert.Equal(31_000, await again.CountAsync("SELECT count(*) FROM orders"));
        Assert.Contains("Drained in", stopLog); // and the console said so
        again.PressCtrlC();
        await again.WaitForExitAsync(TimeSpan.FromMinutes(3));
    }

    public void Dispose() => TestAppHost.DeleteDataRoot(_dataRoot);
}

/// <summary>
/// AppHosts run from a terminal bind the services' fixed ports (5080 and the like): one at a time.
/// Systems of a test's own run here too, alone, so two cores are not shared by three systems; the
/// faults tests share one (<see cref="Faults.OwnSystem"/>, started when first asked for).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TerminalCollection : ICollectionFixture<Faults.OwnSystem>
{
    public const string Name = "Terminal";
}
