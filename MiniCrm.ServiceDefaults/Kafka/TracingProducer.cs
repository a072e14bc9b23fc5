using Confluent.Kafka;

namespace MiniCrm.ServiceDefaults.Kafka;

/// <summary>
/// The registered <see cref="IProducer{TKey,TValue}"/>: the Confluent producer plus a "send" span per
/// message whose context travels in the message headers, so the consumer continues the trace.
/// </summary>
internal sealed class TracingProducer<TKey, TValue>(IProducer<TKey, TValue> inner) : IProducer<TKey, TValue>
{
    /// <summary>The Confluent producer, for <see cref="KafkaBatchProduce"/>, which traces a batch with one span.</summary>
    internal IProducer<TKey, TValue> Inner => inner;

    public Handle Handle => inner.Handle;

    public string Name => inner.Name;

    public async Task<DeliveryResult<TKey, TValue>> ProduceAsync(string topic, Message<TKey, TValue> message, CancellationToken cancellationToken = default)
    {
        using var activity = Start(topic, message);
        try
        {
            var result = await inner.ProduceAsync(topic, message, cancellationToken);
            Delivered(activity, result.TopicPartitionOffset);
            return result;
        }
        catch (Exception ex)
        {
            activity.RecordError(ex);
            throw;
        }
    }

    public async Task<DeliveryResult<TKey, TValue>> ProduceAsync(TopicPartition topicPartition, Message<TKey, TValue> message, CancellationToken cancellationToken = default)
    {
        using var activity = Start(topicPartition.Topic, message);
        try
        {
            var result = await inner.ProduceAsync(topicPartition, message, cancellationToken);
            Delivered(activity, result.TopicPartitionOffset);
            return result;
        }
        catch (Exception ex)
        {
            activity.RecordError(ex);
            throw;
        }
    }

    public void Produce(string topic, Message<TKey, TValue> message, Action<DeliveryReport<TKey, TValue>>? deliveryHandler = null)
    {
        // The span covers the hand-over to librdkafka; the report completes it on librdkafka's thread.
        var activity = Start(topic, message);
        inner.Produce(topic, message, report => Report(activity, report, deliveryHandler));
    }

    public void Produce(TopicPartition topicPartition, Message<TKey, TValue> message, Action<DeliveryReport<TKey, TValue>>? deliveryHandler = null)
    {
        var activity = Start(topicPartition.Topic, message);
        inner.Produce(topicPartition, message, report => Report(activity, report, deliveryHandler));
    }

    private System.Diagnostics.Activity? Start(string topic, Message<TKey, TValue> message)
    {
        var activity = KafkaTelemetry.StartSend(topic, inner.Name);
        message.Headers ??= [];
        KafkaTelemetry.Inject(activity ?? System.Diagnostics.Activity.Current, message.Headers);
        if (activity is not null && message.Key is string key)
        {
            activity.SetTag("messaging.kafka.message.key", key);
        }

        return activity;
    }

    private static void Delivered(System.Diagnostics.Activity? activity, TopicPartitionOffset offset)
    {
        KafkaTelemetry.RecordSent(offset.Topic);
        activity?.SetTag("messaging.destination.partition.id", offset.Partition.Value.ToString());
        activity?.SetTag("messaging.kafka.offset", offset.Offset.Value);
    }

    private static void Report(System.Diagnostics.Activity? activity, DeliveryReport<TKey, TValue> report, Action<DeliveryReport<TKey, TValue>>? handler)
    {
        try
        {
            if (report.Error.IsError)
            {
                activity.RecordError(new ProduceException<TKey, TValue>(report.Error, report));
            }
            else
            {
                Delivered(activity, report.TopicPartitionOffset);
            }

            handler?.Invoke(report);
        }
        finally
        {
            activity?.Dispose();
        }
    }

    public int AddBrokers(string brokers) => inner.AddBrokers(brokers);

    public void SetSaslCredentials(string username, string password) => inner.SetSaslCredentials(username, password);

    public int Poll(TimeSpan timeout) => inner.Poll(timeout);

    public int Flush(TimeSpan timeout) => inner.Flush(timeout);

    public void Flush(CancellationToken cancellationToken = default) => inner.Flush(cancellationToken);

    public void InitTransactions(TimeSpan timeout) => inner.InitTransactions(timeout);

    public void BeginTransaction() => inner.BeginTransaction();

    public void CommitTransaction(TimeSpan timeout) => inner.CommitTransaction(timeout);

    public void CommitTransaction() => inner.CommitTransaction();

    public void AbortTransaction(TimeSpan timeout) => inner.AbortTransaction(timeout);

    public void AbortTransaction() => inner.AbortTransaction();

    public void SendOffsetsToTransaction(IEnumerable<TopicPartitionOffset> offsets, IConsumerGroupMetadata groupMetadata, TimeSpan timeout) =>
        inner.SendOffsetsToTransaction(offsets, groupMetadata, timeout);

    public void Dispose() => inner.Dispose();
}
