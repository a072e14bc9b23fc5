using Confluent.Kafka;

namespace MiniCrm.ServiceDefaults.Kafka;

/// <summary>
/// Settings of a Kafka producer, bound from <c>Aspire:Confluent:Kafka:Producer</c> (then its
/// sub-section named after the connection), as Aspire.Confluent.Kafka does.
/// </summary>
public sealed class KafkaProducerSettings
{
    /// <summary><c>host:port[,host:port]</c>, or <c>Key=Value;...</c> of client settings (for SASL/TLS clusters).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// librdkafka settings. The defaults make every acknowledged message durable and unique
    /// (idempotent, acks=all) and compress batches, which the emulator's per-partition retention counts compressed.
    /// </summary>
    public ProducerConfig Config { get; set; } = new()
    {
        Acks = Acks.All,
        EnableIdempotence = true,
        CompressionType = CompressionType.Lz4,
        LingerMs = 5,
    };

    public bool DisableHealthChecks { get; set; }

    public bool DisableTracing { get; set; }
}

/// <summary>Settings of a Kafka consumer, bound from <c>Aspire:Confluent:Kafka:Consumer</c>.</summary>
public sealed class KafkaConsumerSettings
{
    public string? ConnectionString { get; set; }

    /// <summary>
    /// librdkafka settings; <c>GroupId</c> is required. Offsets are never committed automatically:
    /// a consumer commits after its database transaction has committed.
    /// </summary>
    public ConsumerConfig Config { get; set; } = new()
    {
        EnableAutoCommit = false,
        EnableAutoOffsetStore = false,
        AutoOffsetReset = AutoOffsetReset.Earliest,
    };

    public bool DisableHealthChecks { get; set; }
}
