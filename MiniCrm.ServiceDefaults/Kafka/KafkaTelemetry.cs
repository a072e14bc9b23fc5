using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text;
using Confluent.Kafka;

namespace MiniCrm.ServiceDefaults.Kafka;

/// <summary>
/// Spans and metrics for Kafka following the OpenTelemetry messaging conventions, and W3C trace
/// context in message headers. A consumer that handles one message continues the producer's trace
/// (<see cref="StartProcess{TKey,TValue}"/>); one that handles a batch links to every message's trace
/// (<see cref="StartProcessBatch"/>).
/// </summary>
public static class KafkaTelemetry
{
    public const string ActivitySourceName = "MiniCrm.Kafka";
    public const string MeterName = "MiniCrm.Kafka";

    private const int MaxLinks = 128;

    public static ActivitySource ActivitySource { get; } = new(ActivitySourceName);

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Sent = Meter.CreateCounter<long>("messaging.client.sent.messages", "{message}", "Messages produced.");
    private static readonly Counter<long> Consumed = Meter.CreateCounter<long>("messaging.client.consumed.messages", "{message}", "Messages handed to a handler.");

    internal static Activity? StartSend(string topic, string? clientId)
    {
        var activity = ActivitySource.StartActivity($"send {topic}", ActivityKind.Producer);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.system", "kafka");
            activity.SetTag("messaging.operation.type", "send");
            activity.SetTag("messaging.operation.name", "send");
            activity.SetTag("messaging.destination.name", topic);
            activity.SetTag("messaging.client.id", clientId);
        }

        return activity;
    }

    internal static void RecordSent(string topic, int count = 1) =>
        Sent.Add(count, new KeyValuePair<string, object?>("messaging.destination.name", topic));

    /// <summary>Writes the current trace context into the headers (replacing any it carried).</summary>
    public static void Inject(Activity? activity, Headers headers) => Inject(ContextHeaders(activity), headers);

    /// <summary>Writes headers from <see cref="ContextHeaders"/> into a message's headers (replacing any it carried).</summary>
    public static void Inject(IReadOnlyList<(string Name, byte[] Value)> context, Headers headers)
    {
        foreach (var (name, value) in context)
        {
            headers.Remove(name);
            headers.Add(name, value);
        }
    }

    /// <summary>The W3C headers (traceparent, tracestate) that carry an activity's context, encoded once for any number of messages.</summary>
    public static IReadOnlyList<(string Name, byte[] Value)> ContextHeaders(Activity? activity)
    {
        if (activity is null)
        {
            return [];
        }

        var headers = new List<(string, byte[])>(2);
        DistributedContextPropagator.Current.Inject(activity, headers, static (carrier, name, value) =>
        {
            if (carrier is List<(string, byte[])> list && value is not null)
            {
                list.Add((name, Encoding.UTF8.GetBytes(value)));
            }
        });
        return headers;
    }

    /// <summary>The producer's trace context carried in the headers, if any.</summary>
    public static ActivityContext Extract(Headers? headers)
    {
        if (headers is null)
        {
            return default;
        }

        DistributedContextPropagator.Current.ExtractTraceIdAndState(headers, static (object? carrier, string name, out string? value, out IEnumerable<string>? values) =>
        {
            values = null;
            value = carrier is Headers h && h.TryGetLastBytes(name, out var bytes) ? Encoding.UTF8.GetString(bytes) : null;
        }, out var traceParent, out var traceState);

        return ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var context) ? context : default;
    }

    /// <summary>A span for handling one message, a child of the span that produced it.</summary>
    public static Activity? StartProcess<TKey, TValue>(ConsumeResult<TKey, TValue> result, string? consumerGroup)
    {
        var activity = ActivitySource.StartActivity($"process {result.Topic}", ActivityKind.Consumer, Extract(result.Message.Headers));
        Consumed.Add(1, new KeyValuePair<string, object?>("messaging.destination.name", result.Topic));
        if (activity is { IsAllDataRequested: true })
        {
            SetConsumerTags(activity, result.Topic, consumerGroup);
            activity.SetTag("messaging.destination.partition.id", result.Partition.Value.ToString());
            activity.SetTag("messaging.kafka.offset", result.Offset.Value);
            if (result.Message.Key is string key)
            {
                activity.SetTag("messaging.kafka.message.key", key);
            }
        }

        return activity;
    }

    /// <summary>
    /// A span for handling a batch of <paramref name="count"/> messages: its own trace, linked to each
    /// distinct producer span (up to 128 links; <see cref="Extract"/> reads them from the headers), so
    /// the dashboard shows which traces a batch served.
    /// </summary>
    public static Activity? StartProcessBatch(string topic, IEnumerable<ActivityContext> producers, int count, string? consumerGroup)
    {
        var links = new List<ActivityLink>();
        var seen = new HashSet<ActivityContext>();
        foreach (var producer in producers)
        {
            if (producer != default && seen.Add(producer))
            {
                links.Add(new ActivityLink(producer));
                if (links.Count == MaxLinks)
                {
                    break;
                }
            }
        }

        var activity = ActivitySource.StartActivity($"process {topic}", ActivityKind.Consumer, parentContext: default, links: links);
        Consumed.Add(count, new KeyValuePair<string, object?>("messaging.destination.name", topic));
        if (activity is { IsAllDataRequested: true })
        {
            SetConsumerTags(activity, topic, consumerGroup);
            activity.SetTag("messaging.batch.message_count", count);
        }

        return activity;
    }

    public static void RecordError(this Activity? activity, Exception exception)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetStatus(ActivityStatusCode.Error, exception.Message);
        activity.SetTag("error.type", exception is KafkaException kafka ? kafka.Error.Code.ToString() : exception.GetType().FullName);
        activity.AddException(exception);
    }

    private static void SetConsumerTags(Activity activity, string topic, string? consumerGroup)
    {
        activity.SetTag("messaging.system", "kafka");
        activity.SetTag("messaging.operation.type", "process");
        activity.SetTag("messaging.operation.name", "process");
        activity.SetTag("messaging.destination.name", topic);
        activity.SetTag("messaging.consumer.group.name", consumerGroup);
    }
}
