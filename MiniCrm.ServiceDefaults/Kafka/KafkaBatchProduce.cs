using System.Diagnostics;
using Confluent.Kafka;

namespace MiniCrm.ServiceDefaults.Kafka;

/// <summary>
/// Producing many messages as one unit of work: one "send" span for the batch
/// (<c>messaging.batch.message_count</c>) whose context every message carries, librdkafka's
/// callback <c>Produce</c> instead of a task per message, and one task that completes when Kafka
/// has acknowledged every message. At thousands of messages per request this is what keeps the
/// producer's CPU low: no span, task or cancellation registration per message, and the trace
/// header encoded once.
/// </summary>
public static class KafkaBatchProduce
{
    /// <returns>A task that completes when every message is acknowledged, or faults with the first error.</returns>
    public static Task ProduceBatchAsync<TKey, TValue>(this IProducer<TKey, TValue> producer, string topic, IReadOnlyList<Message<TKey, TValue>> messages)
    {
        if (messages.Count == 0)
        {
            return Task.CompletedTask;
        }

        var inner = producer is TracingProducer<TKey, TValue> tracing ? tracing.Inner : producer;
        var previous = Activity.Current;
        var activity = KafkaTelemetry.StartSend(topic, producer.Name);
        activity?.SetTag("messaging.batch.message_count", messages.Count);
        var headers = KafkaTelemetry.ContextHeaders(activity ?? previous);
        var batch = new Batch<TKey, TValue>(topic, messages.Count, activity);
        var handed = 0;
        try
        {
            foreach (var message in messages)
            {
                message.Headers ??= [];
                KafkaTelemetry.Inject(headers, message.Headers);

                inner.Produce(topic, message, batch.Report);
                handed++;
            }
        }
        catch (Exception ex)
        {
            // librdkafka refused the rest (a full local queue, a closed producer): they were never sent.
            batch.Abandon(messages.Count - handed, ex);
        }
        finally
        {
            // The span lives until the last acknowledgement; the caller's context must not stay inside it.
            Activity.Current = previous;
        }

        return batch.Task;
    }

    private sealed class Batch<TKey, TValue>(string topic, int count, Activity? activity)
    {
        private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _outstanding = count;
        private int _sent;
        private Exception? _error;

        public Task Task => _completion.Task;

        public void Report(DeliveryReport<TKey, TValue> report)
        {
            if (report.Error.IsError)
            {
                Interlocked.CompareExchange(ref _error, new ProduceException<TKey, TValue>(report.Error, report), null);
            }
            else
            {
                Interlocked.Increment(ref _sent);
            }

            Settle(1);
        }

        public void Abandon(int notSent, Exception error)
        {
            Interlocked.CompareExchange(ref _error, error, null);
            Settle(notSent);
        }

        private void Settle(int settled)
        {
            if (Interlocked.Add(ref _outstanding, -settled) != 0)
            {
                return;
            }

            KafkaTelemetry.RecordSent(topic, Volatile.Read(ref _sent));
            if (_error is { } error)
            {
                activity.RecordError(error);
                activity?.Dispose();
                _completion.TrySetException(error);
            }
            else
            {
                activity?.Dispose();
                _completion.TrySetResult();
            }
        }
    }
}
