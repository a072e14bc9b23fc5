using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using MiniCrm.Tests.Infrastructure;
using Npgsql;

namespace MiniCrm.Tests.Foundation;

/// <summary>
/// The Local-mode database on its own (the services and Kafka removed from the model), so each
/// start takes seconds: restarts keep data, stopping leaves nothing behind, a wrong setup fails at once.
/// </summary>
public sealed class LocalPostgresLifecycleTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private readonly string _dataRoot = Path.Combine(Path.GetTempPath(), "minicrm-pg-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task A_second_run_starts_on_the_data_of_the_first_and_stopping_leaves_nothing_running()
    {
        var arguments = TestAppHost.Arguments(_dataRoot);
        var port = TestAppHost.ArgumentValue<int>(arguments, "LocalPostgres:Port");
        var marker = Guid.NewGuid().ToString();

        await using (var first = await StartDatabaseOnlyAsync(arguments))
        {
            await using var connection = new NpgsqlConnection(await first.GetConnectionStringAsync("crmdb"));
            await connection.OpenAsync();
            await using var write = new NpgsqlCommand($"CREATE TABLE marker (value text); INSERT INTO marker VALUES ('{marker}')", connection);
            await write.ExecuteNonQueryAsync();
            await first.StopAsync();
        }

        NpgsqlConnection.ClearAllPools();
        Assert.False(File.Exists(Path.Combine(_dataRoot, "postgres", "postmaster.pid")), "postgres is still running after the AppHost stopped");
        Assert.True(TestAppHost.PortIsFree(port), $"port {port} is still bound after the AppHost stopped");

        await using var second = await StartDatabaseOnlyAsync(arguments);
        await using var reconnect = new NpgsqlConnection(await second.GetConnectionStringAsync("crmdb"));
        await reconnect.OpenAsync();
        await using var read = new NpgsqlCommand("SELECT value FROM marker", reconnect);
        Assert.Equal(marker, await read.ExecuteScalarAsync());
        await second.StopAsync();
    }

    [Fact]
    public async Task Missing_server_binaries_fail_at_once_with_the_fix_in_the_log()
    {
        var builder = await DatabaseOnlyBuilderAsync(TestAppHost.Arguments(_dataRoot, "--LocalPostgres:BinDirectory=/nonexistent/pg/bin"));
        await using var app = await builder.BuildAsync();
        using var cts = new CancellationTokenSource(Timeout);
        await app.StartAsync(cts.Token);

        var failed = await app.ResourceNotifications.WaitForResourceAsync("postgres", e => e.Snapshot.State?.Text == KnownResourceStates.FailedToStart, cts.Token);
        Assert.Equal(KnownResourceStates.FailedToStart, failed.Snapshot.State?.Text);

        // Waiting for the database ends with an error instead of hanging.
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await app.ResourceNotifications.WaitForResourceHealthyAsync("crmdb", cts.Token);
        });
        Assert.False(cts.IsCancellationRequested, "waiting for the failed database hung until the test's timeout");

        var lines = new List<string>();
        await foreach (var batch in app.Services.GetRequiredService<ResourceLoggerService>().WatchAsync("postgres").WithCancellation(cts.Token))
        {
            lines.AddRange(batch.Select(l => l.Content));
            if (lines.Any(l => l.Contains("LocalPostgres:BinDirectory")))
            {
                break;
            }
        }

        Assert.Contains(lines, l => l.Contains("/nonexistent/pg/bin") && l.Contains("LocalPostgres:BinDirectory"));
        await app.StopAsync();
    }

    private static async Task<DistributedApplication> StartDatabaseOnlyAsync(string[] arguments)
    {
        var app = await (await DatabaseOnlyBuilderAsync(arguments)).BuildAsync();
        using var cts = new CancellationTokenSource(Timeout);
        await app.StartAsync(cts.Token);
        await app.ResourceNotifications.WaitForResourceHealthyAsync("crmdb", cts.Token);
        return app;
    }

    private static async Task<IDistributedApplicationTestingBuilder> DatabaseOnlyBuilderAsync(string[] arguments)
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.MiniCrm_AppHost>(
            arguments, (options, _) => options.DisableDashboard = true);
        foreach (var resource in builder.Resources.Where(r => r is ProjectResource || r.Name == "kafka").ToList())
        {
            builder.Resources.Remove(resource);
        }

        return builder;
    }

    public void Dispose() => TestAppHost.DeleteDataRoot(_dataRoot);
}
