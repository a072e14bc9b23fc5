using Confluent.Kafka;

namespace MiniCrm.ServiceDefaults.Kafka;

/// <summary>
/// Measures how far a consumer group is behind on a topic: for each partition, the messages between
/// the group's committed offset (or the start of the log, if it has none) and the end. Producers use
/// it to stay within a bounded lag of their consumers: on the emulator a partition keeps only 5 MiB,
/// so a producer that runs far ahead would make the broker drop messages nobody has read.
/// </summary>
public sealed class KafkaConsumerLag : IDisposable
{
    private readonly IConsumer<byte[], byte[]> _probe;
    private readonly string _topic;

    /// <summary>A consumer that never joins the group; it only reads the group's committed offsets.</summary>
    public KafkaConsumerLag(string connectionString, string topic, string consumerGroup)
    {
        var config = new ConsumerConfig { GroupId = consumerGroup, EnableAutoCommit = false };
        KafkaConnectionString.ApplyTo(connectionString, config);
        _probe = new ConsumerBuilder<byte[], byte[]>(config).SetLogHandler((_, _) => { }).Build();
        _topic = topic;
    }

    /// <summary>The largest lag of any partition, in messages. Blocks for a few network round trips.</summary>
    public long MaxPartitionLag(TimeSpan timeout)
    {
        using var admin = new DependentAdminClientBuilder(_probe.Handle).Build();
        var partitions = admin.GetMetadata(_topic, timeout).Topics
            .SelectMany(t => t.Partitions.Select(p => new TopicPartition(_topic, p.PartitionId)))
            .ToList();
        var committed = _probe.Committed(partitions, timeout).ToDictionary(c => c.Partition.Value, c => c.Offset);

        long max = 0;
        foreach (var partition in partitions)
        {
            var watermarks = _probe.QueryWatermarkOffsets(partition, timeout);
            var position = committed.TryGetValue(partition.Partition.Value, out var offset) && offset != Offset.Unset
                ? offset.Value
                : watermarks.Low.Value;
            max = Math.Max(max, watermarks.High.Value - position);
        }

        return max;
    }

    public void Dispose() => _probe.Dispose();
}
