using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using MiniCrm.Tests.Foundation;
using MiniCrm.Tests.Infrastructure;
using MiniCrm.Tests.Pipeline;
using Xunit.Abstractions;

namespace MiniCrm.Tests.Faults;

/// <summary>
/// PostgreSQL and the Kafka broker taken away from a running system, with the dashboard's Stop and
/// Start (on a system of its own, so the shared one is not disturbed): while ingestion traffic flows,
/// and in the middle of a campaign. Nothing accepted is lost, nothing is counted twice, no answer is a
/// 500, and the services' health goes red while the dependency is away and green when it is back.
/// </summary>
[Collection(TerminalCollection.Name)]
public sealed class InfrastructureFaultTests(OwnSystem outage, ITestOutputHelper output)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly object Everyone = new { combinator = "AND", rules = Array.Empty<object>() };

    [Theory]
    [InlineData("postgres", 20)]
    [InlineData("kafka", 30)]
    public async Task Ingestion_through_an_outage_keeps_every_accepted_customer_and_order_and_answers_no_500(string dependency, int seconds)
    {
        var system = await outage.SystemAsync();
        var traffic = new IngestionTraffic(system, await PoolAsync(system));
        using var evictions = new ResourceLogWatch(system.App, "workers", line => line.Contains("maximum poll interval", StringComparison.OrdinalIgnoreCase));
        using var stop = new CancellationTokenSource();
        var sending = traffic.RunAsync(stop.Token);

        await traffic.WaitForAcceptedAsync(200, TimeSpan.FromMinutes(1));
        var health = await OutageAsync(system, dependency, TimeSpan.FromSeconds(seconds));
        await traffic.WaitForAcceptedAsync(traffic.AcceptedCustomers + 200, TimeSpan.FromMinutes(2));
        await stop.CancelAsync();
        await sending;
        output.WriteLine($"{dependency} away {seconds} s: {traffic}; health {health}");

        Assert.Empty(traffic.ServerErrors);
        if (dependency == "postgres")
        {
            // A consumer waiting out the database keeps polling (partitions paused): it is not put out of its
            // group. (With the broker away, no member can keep its membership: the coordinator is gone too.)
            Assert.True(evictions.Count == 0, $"a consumer was evicted from its group while it waited:\n{evictions}");
        }
        Assert.True(traffic.Unavailable > 0, $"no request was refused while {dependency} was away: the outage did not reach the Api ({traffic})");
        health.AssertRedThenGreen(dependency);

        await system.WaitUntilQuietAsync(TimeSpan.FromMinutes(3));
        var customers = traffic.CustomerIds.ToArray();
        var orders = traffic.OrderIds.ToArray();
        Assert.Equal(customers.Length, await CountAsync(system,
            "SELECT count(*) FROM unnest(@ids) k(id) WHERE EXISTS (SELECT 1 FROM customers WHERE id = k.id) OR EXISTS (SELECT 1 FROM customer_aliases WHERE id = k.id)", customers));
        Assert.Equal(orders.Length, await CountAsync(system, "SELECT count(*) FROM orders WHERE id = ANY(@ids)", orders));
    }

    [Theory]
    [InlineData("postgres", 20)]
    [InlineData("kafka", 30)]
    public async Task A_campaign_through_an_outage_completes_exactly_and_messages_each_customer_once(string dependency, int seconds)
    {
        var system = await outage.SystemAsync();
        using var api = system.Api();
        using var vendor = system.WithOpsKey("vendorsim");
        var before = await vendor.GetFromJsonAsync<VendorStats>("/deliveries/stats", Json);
        var audience = (await (await api.PostAsJsonAsync(CampaignTests.PreviewWithoutSmartSending, Everyone)).Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("count").GetInt32();

        // About fifteen seconds of sending, so the outage lands mid-campaign.
        var campaign = await CampaignTests.LaunchAsync(api, $"Through a {dependency} outage", Everyone, "Hi {{name}}", sendRatePerSecond: Math.Max(100, audience / 15));
        await AppHostFixture.EventuallyAsync(async () =>
        {
            var state = await api.GetFromJsonAsync<CampaignState>($"/api/campaigns/{campaign.Id}", Json);
            return state!.SentCount + state.FailedCount > 0;
        }, TimeSpan.FromMinutes(2), "the first receipts");

        var midway = await api.GetFromJsonAsync<CampaignState>($"/api/campaigns/{campaign.Id}", Json);
        Assert.True(midway!.PendingCount > midway.AudienceSize / 5, $"the campaign is nearly done before the outage; the test would prove little ({midway})");
        var health = await OutageAsync(system, dependency, TimeSpan.FromSeconds(seconds));

        var done = await CampaignTests.WaitForCompletionAsync(api, campaign.Id, TimeSpan.FromMinutes(5));
        output.WriteLine($"{dependency} away {seconds} s: {done}; health {health}");
        await CampaignTests.AssertExactAsync(system, done);
        health.AssertRedThenGreen(dependency);
        Assert.InRange((double)done.FailedCount / done.AudienceSize, 0.03, 0.20); // the configured 10%, not inflated by the outage
        var after = await vendor.GetFromJsonAsync<VendorStats>("/deliveries/stats", Json);
        Assert.Equal(done.AudienceSize, after!.Messaged - before!.Messaged);
    }

    /// <summary>Stops the dependency from the dashboard, watches the services' health while it is away, starts it again.</summary>
    private static async Task<HealthTrace> OutageAsync(AppHostFixture system, string dependency, TimeSpan away)
    {
        var commands = system.App.Services.GetRequiredService<ResourceCommandService>();
        var trace = new HealthTrace();
        var stopped = await commands.ExecuteCommandAsync(dependency, KnownResourceCommands.StopCommand);
        Assert.True(stopped.Success, stopped.Message);

        using var api = system.App.CreateHttpClient("api");
        using var workers = system.App.CreateHttpClient("workers");
        var until = DateTime.UtcNow + away;
        while (DateTime.UtcNow < until)
        {
            trace.During.Add(await HealthAsync(api) + "/" + await HealthAsync(workers));
            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        var started = await commands.ExecuteCommandAsync(dependency, KnownResourceCommands.StartCommand);
        Assert.True(started.Success, started.Message);
        Npgsql.NpgsqlConnection.ClearAllPools(); // the test's own pooled connections died with the server
        await AppHostFixture.EventuallyAsync(async () =>
        {
            var now = await HealthAsync(api) + "/" + await HealthAsync(workers);
            trace.After.Add(now);
            return now == "Healthy/Healthy";
        }, TimeSpan.FromMinutes(2), () => $"the services to be healthy again after {dependency} came back: {trace}");
        return trace;
    }

    private static async Task<string> HealthAsync(HttpClient service)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            return await (await service.GetAsync("/health", timeout.Token)).Content.ReadAsStringAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            return "NoAnswer";
        }
    }

    private static async Task<string[]> PoolAsync(AppHostFixture system)
    {
        await IngestDriver.EnsureCustomersAsync(system, 300);
        await using var connection = new Npgsql.NpgsqlConnection(system.DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT email FROM customers ORDER BY email LIMIT 300", connection);
        var emails = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            emails.Add(reader.GetString(0));
        }

        return [.. emails];
    }

    private static async Task<long> CountAsync<T>(AppHostFixture system, string sql, T[] ids)
    {
        await using var connection = new Npgsql.NpgsqlConnection(system.DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("ids", ids);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private sealed class HealthTrace
    {
        public List<string> During { get; } = [];

        public List<string> After { get; } = [];

        /// <summary>Both services report the missing dependency while it is away, and are healthy once it is back.</summary>
        public void AssertRedThenGreen(string dependency)
        {
            Assert.Contains(During, h => h.StartsWith("Unhealthy/", StringComparison.Ordinal));
            Assert.Contains(During, h => h.EndsWith("/Unhealthy", StringComparison.Ordinal));
            Assert.Equal("Healthy/Healthy", After.Last());
        }

        public override string ToString() => $"during [{string.Join(", ", During.Distinct())}], after [{string.Join(", ", After.Distinct())}]";
    }

    /// <summary>
    /// A source system's client: new customers and orders for known customers, a small batch every
    /// 100 ms; a 503 is retried after its Retry-After with the same request, as the answer asks.
    /// </summary>
    private sealed class IngestionTraffic(AppHostFixture system, string[] pool)
    {
        private readonly Lock _gate = new();
        private int _batch;

        public List<Guid> CustomerIds { get; } = [];

        public List<string> OrderIds { get; } = [];

        public List<string> ServerErrors { get; } = [];

        public int Unavailable { get; private set; }

        public int AcceptedCustomers
        {
            get
            {
                lock (_gate)
                {
                    return CustomerIds.Count;
                }
            }
        }

        public async Task RunAsync(CancellationToken stop)
        {
            using var http = system.IngestingApi();
            http.Timeout = TimeSpan.FromSeconds(60);
            while (!stop.IsCancellationRequested)
            {
                var batch = Interlocked.Increment(ref _batch);
                var run = Guid.NewGuid().ToString("N")[..8];
                var customers = Enumerable.Range(0, 10).Select(i => new { name = $"Outage Customer {batch}-{i}", email = $"outage.{run}.{i}@example.com", city = "Pune" }).ToArray();
                var orders = Enumerable.Range(0, 10).Select(i => new
                {
                    orderId = $"outage-{run}-{i}",
                    customerEmail = pool[(batch * 10 + i) % pool.Length],
                    amount = 100m + i,
                    status = "COMPLETED",
                    items = new[] { new { name = "Kurta", quantity = 1, unitPrice = 100m + i } },
                }).ToArray();

                foreach (var id in await SubmitUntilAcceptedAsync(http, "/api/customers", customers, stop))
                {
                    lock (_gate)
                    {
                        CustomerIds.Add(Guid.Parse(id));
                    }
                }

                foreach (var id in await SubmitUntilAcceptedAsync(http, "/api/orders", orders, stop))
                {
                    lock (_gate)
                    {
                        OrderIds.Add(id);
                    }
                }

                await Task.Delay(100, CancellationToken.None);
            }
        }

        public Task WaitForAcceptedAsync(int customers, TimeSpan timeout) =>
            AppHostFixture.EventuallyAsync(() => Task.FromResult(AcceptedCustomers >= customers), timeout, () => $"{customers} accepted customers ({this})");

        /// <returns>The ids the Api accepted; nothing when the run stopped before an answer said so.</returns>
        private async Task<IEnumerable<string>> SubmitUntilAcceptedAsync(HttpClient http, string path, object body, CancellationToken stop)
        {
            while (true)
            {
                HttpResponseMessage response;
                try
                {
                    response = await http.PostAsJsonAsync(path, body, CancellationToken.None);
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    lock (_gate)
                    {
                        ServerErrors.Add($"{path}: no answer ({ex.Message})");
                    }

                    return [];
                }

                using (response)
                {
                    if (response.StatusCode == HttpStatusCode.Accepted)
                    {
                        var answer = await response.Content.ReadFromJsonAsync<JsonElement>(Json, CancellationToken.None);
                        Assert.Equal(0, answer.GetProperty("rejected").GetArrayLength());
                        return answer.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()!).ToList();
                    }

                    if (response.StatusCode != HttpStatusCode.ServiceUnavailable)
                    {
                        var problem = await response.Content.ReadAsStringAsync(CancellationToken.None);
                        lock (_gate)
                        {
                            ServerErrors.Add($"{path}: {(int)response.StatusCode} {problem}");
                        }

                        return [];
                    }

                    lock (_gate)
                    {
                        Unavailable++;
                    }

                    Assert.NotNull(response.Headers.RetryAfter?.Delta);
                    if (stop.IsCancellationRequested)
                    {
                        return [];
                    }

                    await Task.Delay(response.Headers.RetryAfter.Delta.Value, CancellationToken.None);
                }
            }
        }

        public override string ToString()
        {
            lock (_gate)
            {
                return $"{CustomerIds.Count} customers and {OrderIds.Count} orders accepted, {Unavailable} answers 503, {ServerErrors.Count} other failures: {string.Join("; ", ServerErrors.Take(3))}";
            }
        }
    }
}

/// <summary>
/// The faults tests' own system, with the delivery batching of F5 (500 per message): the shared one
/// must not lose its database under other tests. Started when a test first asks for it.
/// </summary>
public sealed class OwnSystem : IAsyncLifetime
{
    private readonly string _dataRoot = Path.Combine(Path.GetTempPath(), "minicrm-own-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private AppHostFixture? _system;

    public async Task<AppHostFixture> SystemAsync()
    {
        await _gate.WaitAsync();
        try
        {
            _system ??= await AppHostFixture.StartAsync(_dataRoot, builder =>
            {
                AppHostFixture.Configure(builder, "vendorsim", ("Vendor__LatencyMilliseconds", "10"));
                // Low limits, so RateLimitTests can reach them; the faults tests stay well below.
                AppHostFixture.Configure(builder, "api", ("RateLimits__PreviewPerMinute", "20"), ("RateLimits__LaunchPerMinute", "8"), ("RateLimits__SignInPerMinute", "12"));
                AppHostFixture.Configure(builder, "workers",
                [
                    ("Reconcile__ReceiptTimeoutSeconds", "3"), ("Reconcile__IntervalSeconds", "1"),
                    // A consumer that stops polling for 10 s leaves its group: an outage of 20 s would evict
                    // every consumer waiting on the database, unless it keeps polling while it waits.
                    .. EvictAfter("minicrm-customers"), .. EvictAfter("minicrm-orders"), .. EvictAfter("minicrm-receipts"),
                ]);
            });
            await IngestDriver.EnsureCustomersAsync(_system, 1_500);
            return _system;
        }
        finally
        {
            _gate.Release();
        }
    }

    private static (string, string)[] EvictAfter(string group) =>
    [
        ($"Aspire__Confluent__Kafka__Consumer__{group}__Config__MaxPollIntervalMs", "10000"),
        ($"Aspire__Confluent__Kafka__Consumer__{group}__Config__SessionTimeoutMs", "6000"),
    ];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_system is not null)
        {
            await _system.DisposeAsync();
        }

        _gate.Dispose();
        TestAppHost.DeleteDataRoot(_dataRoot);
    }
}
