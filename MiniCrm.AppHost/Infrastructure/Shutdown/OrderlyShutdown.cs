using System.Net.Http.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MiniCrm.ServiceDefaults.Kafka;
using MiniCrm.ServiceDefaults.Operations;

namespace MiniCrm.AppHost.Infrastructure.Shutdown;

/// <summary>One stage of an orderly stop: the services told to drain, and the topics their consumers must read to the end before the next stage.</summary>
internal sealed record DrainStage(string Description, IReadOnlyList<IResourceWithEndpoints> Services, IReadOnlyList<(string Topic, string Group)> Topics);

/// <summary>
/// The orderly stop (Ctrl+C, the IDE's stop button, a test's StopAsync). Before the orchestrator
/// stops any service, stage by stage: the services stop taking new work, then the AppHost waits
/// until they hold nothing and every topic named by the stage is consumed and committed to its end.
/// Only then do the services stop, then Kafka (whose emulator keeps everything in memory), then
/// PostgreSQL. It prints what it waits for; after <c>Shutdown:DrainTimeoutSeconds</c> it stops
/// anyway and prints exactly what is left behind.
/// </summary>
internal sealed partial class OrderlyShutdown(
    IReadOnlyList<DrainStage> stages,
    IResourceWithConnectionString kafka,
    ParameterResource opsKey,
    DistributedApplicationModel model,
    DistributedApplicationExecutionContext execution,
    IConfiguration configuration,
    ILogger<OrderlyShutdown> logger) : IHostedLifecycleService
{
    public const string TimeoutSetting = "Shutdown:DrainTimeoutSeconds";
    public const int DefaultTimeoutSeconds = 90;

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Report = TimeSpan.FromSeconds(3);

    public TimeSpan Timeout => TimeSpan.FromSeconds(configuration.GetValue(TimeoutSetting, DefaultTimeoutSeconds));

    private int _stopping;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        // A host is stopped once; disposing a stopped host stops it again, with Kafka already gone.
        if (!execution.IsRunMode || Interlocked.Exchange(ref _stopping, 1) == 1)
        {
            return;
        }

        var started = DateTime.UtcNow;
        var deadline = started + Timeout;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        http.DefaultRequestHeaders.Add(DrainEndpoints.KeyHeader, await opsKey.GetValueAsync(cancellationToken) ?? "");
        // A model without Kafka (tests that run only the database) has no topics to wait for.
        var bootstrap = model.Resources.Contains(kafka) ? await kafka.GetConnectionStringAsync(cancellationToken) : null;
        LogStarting(Timeout.TotalSeconds);

        foreach (var stage in stages)
        {
            var reachable = new List<IResourceWithEndpoints>();
            foreach (var service in stage.Services.Where(model.Resources.Contains))
            {
                if (await DrainAsync(http, service, HttpMethod.Post, cancellationToken) is not null)
                {
                    reachable.Add(service);
                }
            }

            LogStage(stage.Description);
            var lags = string.IsNullOrWhiteSpace(bootstrap)
                ? []
                : stage.Topics.Select(t => (t.Topic, Lag: new KafkaConsumerLag(bootstrap, t.Topic, t.Group))).ToList();
            try
            {
                var lastReport = DateTime.UtcNow;
                while (true)
                {
                    var waitingFor = await WaitingForAsync(http, reachable, lags, cancellationToken);
                    if (waitingFor.Count == 0)
                    {
                        break;
                    }

                    if (DateTime.UtcNow > deadline || cancellationToken.IsCancellationRequested)
                    {
                        LogLeftBehind(Timeout.TotalSeconds, string.Join("; ", waitingFor));
                        return;
                    }

                    if (DateTime.UtcNow - lastReport > Report)
                    {
                        LogWaiting(string.Join("; ", waitingFor));
                        lastReport = DateTime.UtcNow;
                    }

                    await Task.Delay(Poll, cancellationToken);
                }
            }
            finally
            {
                foreach (var (_, lag) in lags)
                {
                    lag.Dispose();
                }
            }
        }

        LogDrained((DateTime.UtcNow - started).TotalSeconds);
    }

    /// <summary>What still holds accepted work, in words: a service's own backlog, or a topic not yet consumed to its end.</summary>
    private static async Task<List<string>> WaitingForAsync(
        HttpClient http, IEnumerable<IResourceWithEndpoints> services, IEnumerable<(string Topic, KafkaConsumerLag Lag)> lags, CancellationToken ct)
    {
        var waiting = new List<string>();
        foreach (var service in services)
        {
            var status = await DrainAsync(http, service, HttpMethod.Get, ct);
            if (status is null)
            {
                waiting.Add($"{service.Name} does not answer");
            }
            else if (!status.Idle)
            {
                waiting.AddRange(status.Remaining.Where(r => r.Value > 0).Select(r => $"{service.Name} {r.Key} {r.Value:N0}"));
            }
        }

        foreach (var (topic, lag) in lags)
        {
            try
            {
                var behind = await Task.Run(() => lag.MaxPartitionLag(TimeSpan.FromSeconds(3)), ct);
                if (behind > 0)
                {
                    waiting.Add($"{topic} not yet consumed (up to {behind:N0} messages on a partition)");
                }
            }
            catch (Exception ex) when (ex is Confluent.Kafka.KafkaException or TimeoutException)
            {
                waiting.Add($"{topic}: Kafka does not answer ({ex.Message})");
            }
        }

        return waiting;
    }

    private static async Task<DrainStatus?> DrainAsync(HttpClient http, IResourceWithEndpoints service, HttpMethod method, CancellationToken ct)
    {
        try
        {
            var endpoint = service.GetEndpoint("http");
            if (!endpoint.IsAllocated)
            {
                return null;
            }

            using var request = new HttpRequestMessage(method, new Uri(new Uri(endpoint.Url), DrainEndpoints.Path));
            using var response = await http.SendAsync(request, ct);
            return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<DrainStatus>(ct) : null;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or InvalidOperationException or System.Text.Json.JsonException && !ct.IsCancellationRequested)
        {
            return null;
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping MiniCRM in order: intake first, then what is in flight, then the services, Kafka and PostgreSQL (waiting at most {Seconds:0} s).")]
    private partial void LogStarting(double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Draining: {Stage}.")]
    private partial void LogStage(string stage);

    [LoggerMessage(Level = LogLevel.Information, Message = "Waiting for: {WaitingFor}.")]
    private partial void LogWaiting(string waitingFor);

    [LoggerMessage(Level = LogLevel.Information, Message = "Drained in {Seconds:0.0} s: everything accepted is stored. Stopping the services.")]
    private partial void LogDrained(double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Stopping after {Seconds:0} s without a full drain. Left behind, and lost with the in-memory Kafka emulator: {LeftBehind}.")]
    private partial void LogLeftBehind(double seconds, string leftBehind);
}
