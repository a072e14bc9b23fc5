using Confluent.Kafka;
using MiniCrm.Core.Messaging;
using MiniCrm.ServiceDefaults.Kafka;

namespace MiniCrm.Api.Infrastructure;

/// <summary>
/// Publishes accepted items as one Kafka batch and waits for the acknowledgement of every one, so
/// a 202 means the items are durably in the log. A failure or a timeout is reported as such; items
/// already acknowledged are harmless when the caller resubmits (ids make every consumer idempotent).
/// </summary>
public sealed partial class PipelinePublisher(IProducer<string, byte[]> producer, Microsoft.Extensions.Options.IOptions<IngestionOptions> options, ILogger<PipelinePublisher> logger)
{
    private readonly TimeSpan _timeout = TimeSpan.FromSeconds(options.Value.AcknowledgeTimeoutSeconds);

    public Task<bool> PublishAllAsync<T>(string topic, IReadOnlyCollection<(string Key, T Message)> messages, CancellationToken ct) =>
        PublishAllAsync(topic, [.. messages.Select(m => new Message<string, byte[]> { Key = m.Key, Value = MessageJson.Serialize(m.Message) })], ct);

    /// <summary>Messages already serialized (and cut to Kafka's size limit, see <see cref="MessageJson.SerializeWithin"/>).</summary>
    public async Task<bool> PublishAllAsync(string topic, IReadOnlyList<Message<string, byte[]>> batch, CancellationToken ct)
    {
        if (batch.Count == 0)
        {
            return true;
        }

        try
        {
            await producer.ProduceBatchAsync(topic, batch).WaitAsync(_timeout, ct);
            return true;
        }
        catch (Exception ex) when (ex is KafkaException or TimeoutException)
        {
            LogNotAcknowledged(ex, batch.Count, topic);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka did not acknowledge {Count} message(s) to {Topic} in time.")]
    private partial void LogNotAcknowledged(Exception ex, int count, string topic);
}
