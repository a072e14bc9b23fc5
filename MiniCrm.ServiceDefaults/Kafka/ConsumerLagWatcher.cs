using System.Collections.Concurrent;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;

namespace MiniCrm.ServiceDefaults.Kafka;

/// <summary>
/// How far consumer groups are behind on their topics (messages between the committed offset and the
/// end of each partition, the largest over the partitions), measured in the background so callers
/// read it without a round trip. The Api refuses intake while the Workers are behind; the Workers
/// pause campaign dispatch while the delivery consumers are. Measuring is not work: it leaves no trace.
/// </summary>
public sealed partial class ConsumerLagWatcher(
    IConfiguration configuration, ConsumerLagWatcher.Watched watched, ILogger<ConsumerLagWatcher> logger) : BackgroundService
{
    /// <summary>The (topic, consumer group) pairs to watch, and how often.</summary>
    public sealed record Watched(IReadOnlyList<(string Topic, string Group)> Topics, TimeSpan Interval);

    private readonly ConcurrentDictionary<string, long> _lag = new();

    /// <summary>The last measured lag, plus what <see cref="Add"/> added since.</summary>
    public long LagOf(string topic) => _lag.TryGetValue(topic, out var lag) ? lag : 0;

    /// <summary>Counts messages just produced until the next measurement sees them.</summary>
    public void Add(string topic, long messages) => _lag.AddOrUpdate(topic, messages, (_, lag) => lag + messages);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var bootstrap = configuration.GetConnectionString("kafka");
        if (string.IsNullOrWhiteSpace(bootstrap))
        {
            return;
        }

        var probes = watched.Topics.Select(w => (w.Topic, Lag: new KafkaConsumerLag(bootstrap, w.Topic, w.Group))).ToList();
        try
        {
            using var timer = new PeriodicTimer(watched.Interval);
            do
            {
                foreach (var (topic, lag) in probes)
                {
                    try
                    {
                        using var _ = SuppressInstrumentationScope.Begin();
                        _lag[topic] = await Task.Run(() => lag.MaxPartitionLag(TimeSpan.FromSeconds(5)), stoppingToken);
                    }
                    catch (Exception ex) when (ex is KafkaException or TimeoutException)
                    {
                        // The broker is away: the last value stands, and the health checks report the broker.
                        LogMeasureFailed(topic, ex.Message);
                    }
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var (_, lag) in probes)
            {
                lag.Dispose();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not measure consumer lag on {Topic}: {Reason}")]
    private partial void LogMeasureFailed(string topic, string reason);
}

public static class ConsumerLagWatcherExtensions
{
    /// <summary>Registers the one <see cref="ConsumerLagWatcher"/> of a service, measuring every <paramref name="interval"/>.</summary>
    public static IServiceCollection AddConsumerLagWatcher(
        this IServiceCollection services, Func<IServiceProvider, TimeSpan> interval, params (string Topic, string Group)[] topics)
    {
        services.AddSingleton(sp => new ConsumerLagWatcher.Watched(topics, interval(sp)));
        services.AddSingleton<ConsumerLagWatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<ConsumerLagWatcher>());
        return services;
    }
}
