using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MiniCrm.Tests.Foundation;
using MiniCrm.Tests.Infrastructure;
using MiniCrm.Tests.Pipeline;
using Xunit.Abstractions;

namespace MiniCrm.Tests.Faults;

/// <summary>
/// The Workers process killed in the middle of a campaign (no drain, as a crash or an OOM kill gives it) and started
/// again from the dashboard: the campaign completes exactly, each customer messaged once, and the orderly stop that
/// follows drains in seconds with nothing reported left behind. The vendor's receipt queue is small here, so it is
/// full while the CRM catches up, as it was with a 200,000-customer campaign.
/// </summary>
[Collection(TerminalCollection.Name)]
public sealed class WorkersCrashTests(ITestOutputHelper output) : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly object Everyone = new { combinator = "AND", rules = Array.Empty<object>() };
    private readonly string _dataRoot = Path.Combine(Path.GetTempPath(), "minicrm-crash-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task Workers_killed_mid_campaign_and_started_again_finish_it_exactly_and_the_stop_after_drains_in_seconds()
    {
        var shutdown = new AppHostLog("OrderlyShutdown");
        var system = await AppHostFixture.StartAsync(_dataRoot, builder =>
        {
            builder.Services.AddSingleton<ILoggerProvider>(shutdown);
            // Receipts in small batches, into a small queue, behind an Api that holds them back as soon as the Workers
            // fall behind: while the Workers are down the vendor's sender backs off and its queue is full.
            // A slow vendor holds most of the campaign when the Workers die, and goes on delivering it meanwhile.
            AppHostFixture.Configure(builder, "vendorsim", ("Vendor__LatencyMilliseconds", "300"), ("Vendor__Concurrency", "2"),
                ("Vendor__ReceiptQueueCapacity", "2"), ("Vendor__ReceiptBatchSize", "50"));
            AppHostFixture.Configure(builder, "api", ("Receipts__MaxPartitionLag", "1"));
            AppHostFixture.Configure(builder, "workers", ("Dispatch__DeliveriesPerMessage", "100"),
                ("Reconcile__ReceiptTimeoutSeconds", "3"), ("Reconcile__IntervalSeconds", "1"));
        });
        var stopped = false;
        try
        {
            await IngestDriver.EnsureCustomersAsync(system, 3_000);
            using var api = system.Api();
            using var vendor = system.WithOpsKey("vendorsim");

            // Shoppers buy after a third of the delivered messages within seconds, so orders stream in through the crash.
            Assert.True((await vendor.PutAsJsonAsync("/shop", new { buyRate = 0.3, maxDelaySeconds = 4 })).IsSuccessStatusCode);
            // Dispatched at once; the vendor takes several seconds to deliver it, so the crash lands mid-campaign.
            var campaign = await CampaignTests.LaunchAsync(api, "Through a crash", Everyone, "Hi {{first_name}}", holdoutPercent: 10);
            await AppHostFixture.EventuallyAsync(async () =>
            {
                var state = await api.GetFromJsonAsync<CampaignState>($"/api/campaigns/{campaign.Id}", Json);
                return state!.SentCount + state.FailedCount > 0;
            }, TimeSpan.FromMinutes(2), "the first receipts");

            var killed = KillTree(system, "workers");
            var midway = await api.GetFromJsonAsync<CampaignState>($"/api/campaigns/{campaign.Id}", Json);
            output.WriteLine($"killed the Workers (pid {killed}) at {midway}");
            Assert.True(midway!.PendingCount > midway.AudienceSize / 5, $"the campaign is nearly done before the crash; the test would prove little ({midway})");
            await system.App.ResourceNotifications.WaitForResourceAsync("workers", e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text));

            // A while down (receipts pile up behind the Api's backpressure), then Start, as on the dashboard.
            await Task.Delay(TimeSpan.FromSeconds(8));
            await system.StartAgainAsync("workers");

            var done = await CampaignTests.WaitForCompletionAsync(api, campaign.Id, TimeSpan.FromMinutes(5));
            output.WriteLine(done.ToString());
            await CampaignTests.AssertExactAsync(system, done);
            var stats = await vendor.GetFromJsonAsync<VendorStats>("/deliveries/stats", Json);
            Assert.Equal(done.AudienceSize, stats!.Messaged); // each customer messaged once, whatever went out twice
            Assert.True(stats.DuplicatesDropped + stats.ReceiptsResent > 0, "nothing was sent twice after the restart: the test proved nothing");

            // What it earned, kept by the Workers' attribution job through the crash, equals a count in SQL once the purchases are in.
            var buyers = (long)Math.Floor(done.SentCount * 0.3);
            await AppHostFixture.EventuallyAsync(async () => await system.ScalarAsync<long>("SELECT count(*) FROM orders WHERE id LIKE 'shop-%'") >= buyers,
                TimeSpan.FromSeconds(60), $"{buyers} purchases stored");
            const string Converted = """
                SELECT count(DISTINCT l.customer_id) FROM communication_logs l JOIN orders o ON o.customer_id = l.customer_id AND o.status = 'COMPLETED'
                AND o.order_date > l.delivered_at AND o.order_date <= l.delivered_at + interval '7 days' WHERE l.campaign_id = '{0}' AND l.status = 'SENT'
                """;
            var converted = await system.ScalarAsync<long>(string.Format(System.Globalization.CultureInfo.InvariantCulture, Converted, campaign.Id));
            Assert.True(converted >= buyers * 9 / 10, $"{converted} of {buyers} purchases fall in the window: the shoppers did not buy as told");
            var results = await CampaignResultsTests.ResultsWhenAsync(api, campaign.Id, r => r.GetProperty("messaged").GetProperty("conversions").GetInt64() == converted,
                $"{converted} conversions", seconds: 60);
            Assert.Equal(done.SentCount, results.GetProperty("messaged").GetProperty("customers").GetInt64());
            Assert.True(results.GetProperty("heldOut").GetProperty("customers").GetInt64() > 0);

            // The orderly stop after it: drained at once, nothing left behind.
            var clock = Stopwatch.StartNew();
            await system.DisposeAsync();
            stopped = true;
            output.WriteLine($"stopped in {clock.Elapsed.TotalSeconds:0.0} s:\n{shutdown}");
            Assert.Contains("Drained in", shutdown.ToString());
            Assert.DoesNotContain("Left behind", shutdown.ToString());
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(45), $"the stop took {clock.Elapsed.TotalSeconds:0} s:\n{shutdown}");
        }
        finally
        {
            if (!stopped)
            {
                await system.DisposeAsync();
            }
        }
    }

    /// <summary>Kills a service's process and its children at once (SIGKILL: no drain, no goodbye) and answers its pid.</summary>
    internal static int KillTree(AppHostFixture system, string resource)
    {
        Assert.True(system.App.ResourceNotifications.TryGetCurrentState(resource, out var current), $"no state for {resource}");
        var pid = current!.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value switch
        {
            int value => value,
            long value => (int)value,
            string text when int.TryParse(text, out var parsed) => parsed,
            var other => throw new InvalidOperationException($"{resource} has no pid: {other}; properties: {string.Join(", ", current.Snapshot.Properties.Select(p => p.Name))}"),
        };
        Process.GetProcessById(pid).Kill(entireProcessTree: true);
        return pid;
    }

    public void Dispose() => TestAppHost.DeleteDataRoot(_dataRoot);

    /// <summary>The AppHost's own log lines of the categories that contain <paramref name="category"/>.</summary>
    private sealed class AppHostLog(string category) : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public ILogger CreateLogger(string categoryName) => categoryName.Contains(category, StringComparison.Ordinal) ? new Lines(_lines) : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

        public override string ToString() => string.Join("\n", _lines);

        public void Dispose()
        {
        }

        private sealed class Lines(ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue($"{logLevel}: {formatter(state, exception)}");
        }
    }
}
