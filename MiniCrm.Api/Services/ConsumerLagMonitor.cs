using System.Collections.Concurrent;
using Confluent.Kafka;
using MiniCrm.Core.Messaging;
using MiniCrm.ServiceDefaults.Kafka;

namespace MiniCrm.Api.Services;

/// <summary>
/// Watches how far the Workers' consumers are behind on the topics the Api feeds (messages between
/// their committed offset and the end of each partition). The ingestion and receipt endpoints answer 503 with
/// Retry-After while any partition is further behind than <c>Ingestion:MaxPartitionLag</c>: producers
/// must not outrun consumers, and on the emulator, whose partitions keep only 5 MiB, running ahead
/// would lose messages.
/// </summary>
public sealed partial class ConsumerLagMonitor(IConfiguration configuration, ILogger<ConsumerLagMonitor> logger) : BackgroundService
{
    private static readonly (string Topic, string Group)[] Watched =
    [
        (KafkaTopics.Customers, ConsumerGroups.Customers),
        (KafkaTopics.Orders, ConsumerGroups.Orders),
        (KafkaTopics.DeliveryReceipts, ConsumerGroups.Receipts),
    ];

    private readonly ConcurrentDictionary<string, long> _lag = new();

    // Limits are in messages: an ingestion message is one item (a few hundred bytes), a receipts
    // message carries a whole vendor request (up to thousands of receipts).
    private readonly long _ingestionLimit = configuration.GetValue("Ingestion:MaxPartitionLag", 20_000L);
    private readonly long _receiptsLimit = configuration.GetValue("Receipts:MaxPartitionLag", 40L);

    public long LagOf(string topic) => _lag.TryGetValue(topic, out var lag) ? lag : 0;

    public long LimitOf(string topic) => topic == KafkaTopics.DeliveryReceipts ? _receiptsLimit : _ingestionLimit;

    public bool IsBehind(string topic) => LagOf(topic) > LimitOf(topic);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var bootstrap = configuration.GetConnectionString("kafka");
        if (string.IsNullOrWhiteSpace(bootstrap))
        {
            return;
        }

        var probes = Watched.Select(w => (w.Topic, Lag: new KafkaConsumerLag(bootstrap, w.Topic, w.Group))).ToList();
        try
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(configuration.GetValue("Ingestion:LagPollMilliseconds", 500)));
            do
            {
                foreach (var (topic, lag) in probes)
                {
                    try
                    {
                        _lag[topic] = await Task.Run(() => lag.MaxPartitionLag(TimeSpan.FromSeconds(5)), stoppingToken);
                    }
                    catch (KafkaException ex)
                    {
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
