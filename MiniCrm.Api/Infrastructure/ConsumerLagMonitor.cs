using Microsoft.Extensions.Options;
using MiniCrm.ServiceDefaults.Kafka;

namespace MiniCrm.Api.Infrastructure;

/// <summary>
/// Backpressure for the topics the Api feeds: the ingestion and receipt endpoints answer 503 with
/// Retry-After while the Workers' consumers are further behind than the limit on any partition.
/// Producers must not outrun consumers, and on the emulator, whose partitions keep only 5 MiB,
/// running ahead would lose messages. The lag itself comes from the shared <see cref="ConsumerLagWatcher"/>.
/// </summary>
public sealed class ConsumerLagMonitor(ConsumerLagWatcher watcher, IOptions<IngestionOptions> ingestion, IOptions<ReceiptsOptions> receipts)
{
    /// <summary>What the Api watches: the topics it produces to, and the groups that consume them.</summary>
    public static readonly (string Topic, string Group)[] Watched =
    [
        (KafkaTopics.Customers, ConsumerGroups.Customers),
        (KafkaTopics.Orders, ConsumerGroups.Orders),
        (KafkaTopics.DeliveryReceipts, ConsumerGroups.Receipts),
    ];

    public long LagOf(string topic) => watcher.LagOf(topic);

    // Limits are in messages: an ingestion message is one item (a few hundred bytes), a receipts
    // message carries a whole vendor request (up to thousands of receipts).
    public long LimitOf(string topic) => topic == KafkaTopics.DeliveryReceipts ? receipts.Value.MaxPartitionLag : ingestion.Value.MaxPartitionLag;

    public bool IsBehind(string topic) => LagOf(topic) > LimitOf(topic);
}
