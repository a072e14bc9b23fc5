using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Aspire.Hosting.Testing;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using MiniCrm.ServiceDefaults.Kafka;
using MiniCrm.Tests.Infrastructure;

namespace MiniCrm.Tests.Foundation;

[Collection(AppHostCollection.Name)]
public sealed class KafkaIntegrationTests(AppHostFixture fixture)
{
    [Fact]
    public async Task Consumer_span_continues_the_producer_trace()
    {
        var spans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == KafkaTelemetry.ActivitySourceName || source.Name == "test",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
        using var testSource = new ActivitySource("test");

        var topic = "trace-test-" + Guid.NewGuid().ToString("N")[..8];
        using var host = await BuildClientHostAsync(groupId: topic);
        var producer = host.Services.GetRequiredService<IProducer<string, string>>();
        var consumer = host.Services.GetRequiredService<IConsumer<string, string>>();

        ActivityTraceId producerTrace;
        using (var root = testSource.StartActivity("launch campaign"))
        {
            Assert.NotNull(root);
            producerTrace = root.TraceId;
            await producer.ProduceAsync(topic, new Message<string, string> { Key = "c-1", Value = "hello" });
        }

        consumer.Subscribe(topic);
        var result = consumer.Consume(TimeSpan.FromSeconds(30));
        Assert.NotNull(result);
        Assert.True(result.Message.Headers.TryGetLastBytes("traceparent", out var traceparent));
        Assert.Contains(producerTrace.ToString(), Encoding.UTF8.GetString(traceparent));

        using (KafkaTelemetry.StartProcess(result, topic))
        {
        }

        consumer.Close();

        var send = Assert.Single(spans, s => s.OperationName == $"send {topic}");
        var process = Assert.Single(spans, s => s.OperationName == $"process {topic}");
        Assert.Equal(producerTrace, send.TraceId);
        Assert.Equal(send.TraceId, process.TraceId);
        Assert.Equal(send.SpanId, process.ParentSpanId);
        Assert.Equal(ActivityKind.Producer, send.Kind);
        Assert.Equal(ActivityKind.Consumer, process.Kind);
        Assert.Equal("kafka", process.GetTagItem("messaging.system"));
        Assert.Equal(topic, send.GetTagItem("messaging.destination.name"));
        Assert.NotNull(send.GetTagItem("messaging.kafka.offset"));
    }

    [Fact]
    public async Task A_batch_is_one_send_span_that_every_message_carries_and_completes_when_all_are_acknowledged()
    {
        var spans = new ConcurrentBag<Activity>();
        using var listener = RecordKafkaSpans(spans);

        var topic = "batch-test-" + Guid.NewGuid().ToString("N")[..8];
        using var host = await BuildClientHostAsync(groupId: topic);
        var producer = host.Services.GetRequiredService<IProducer<string, string>>();
        var consumer = host.Services.GetRequiredService<IConsumer<string, string>>();

        var messages = Enumerable.Range(0, 500).Select(i => new Message<string, string> { Key = $"k-{i}", Value = $"v-{i}" }).ToList();
        var before = Activity.Current;
        await producer.ProduceBatchAsync(topic, messages).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Same(before, Activity.Current);

        var send = Assert.Single(spans, s => s.OperationName == $"send {topic}");
        Assert.Equal(500, send.GetTagItem("messaging.batch.message_count"));
        Assert.Equal(ActivityStatusCode.Unset, send.Status);

        consumer.Subscribe(topic);
        var values = new HashSet<string>();
        while (values.Count < 500 && consumer.Consume(TimeSpan.FromSeconds(30)) is { } result)
        {
            Assert.True(result.Message.Headers.TryGetLastBytes("traceparent", out var traceparent));
            Assert.Contains(send.SpanId.ToString(), Encoding.UTF8.GetString(traceparent));
            values.Add(result.Message.Value);
        }

        consumer.Close();
        Assert.Equal(500, values.Count);
    }

    [Fact]
    public async Task A_batch_with_a_message_kafka_refuses_faults_with_the_error_and_marks_its_span()
    {
        var spans = new ConcurrentBag<Activity>();
        using var listener = RecordKafkaSpans(spans);

        var topic = "batch-refused-" + Guid.NewGuid().ToString("N")[..8];
        using var host = await BuildClientHostAsync(groupId: topic);
        var producer = host.Services.GetRequiredService<IProducer<string, string>>();

        // Larger than message.max.bytes (1 MB by default): librdkafka refuses it.
        var messages = new List<Message<string, string>>
        {
            new() { Key = "ok", Value = "small" },
            new() { Key = "too-big", Value = new string('x', 2_000_000) },
        };

        var error = await Assert.ThrowsAnyAsync<KafkaException>(() => producer.ProduceBatchAsync(topic, messages).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(ErrorCode.MsgSizeTooLarge, error.Error.Code);
        var send = Assert.Single(spans, s => s.OperationName == $"send {topic}");
        Assert.Equal(ActivityStatusCode.Error, send.Status);
    }

    [Fact]
    public async Task Registered_clients_report_healthy_against_the_broker()
    {
        using var host = await BuildClientHostAsync(groupId: "health-" + Guid.NewGuid().ToString("N")[..8]);
        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        Assert.Contains(report.Entries, e => e.Key == "Kafka.Producer.kafka");
        Assert.Contains(report.Entries, e => e.Key == "Kafka.Consumer.kafka");
        Assert.Equal(HealthStatus.Healthy, report.Status);
    }

    [Fact]
    public void A_consumer_without_a_group_is_refused_with_the_setting_to_fix()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:kafka"] = "127.0.0.1:9092";

        var error = Assert.Throws<InvalidOperationException>(() => builder.AddKafkaConsumer<string, string>("kafka"));
        Assert.Contains("GroupId", error.Message);
    }

    [Fact]
    public async Task Kcat_lists_the_emulators_topics_on_the_fixed_tool_port_and_reads_a_dead_letter_topic_with_its_headers()
    {
        var tool = $"localhost:{fixture.KafkaToolPort}";
        var direct = (await fixture.App.GetConnectionStringAsync("kafka"))!;
        Assert.DoesNotContain($":{fixture.KafkaToolPort}", direct);

        var (listed, metadata) = await CommandLine.RunAsync("kcat", ["-b", tool, "-L", "-m", "10"], TimeSpan.FromSeconds(60));
        Assert.True(listed == 0, metadata);
        Assert.Contains($"topic \"{MiniCrm.ServiceDefaults.Kafka.KafkaTopics.Customers}\"", metadata);
        Assert.Contains($"topic \"{MiniCrm.ServiceDefaults.Kafka.KafkaTopics.DeliveryReceipts}\"", metadata);

        // A dead-letter record as the Workers write one: the reason travels in a header.
        var topic = "tools-test-" + Guid.NewGuid().ToString("N")[..8] + MiniCrm.ServiceDefaults.Kafka.KafkaTopics.DeadLetterSuffix;
        using (var host = await BuildClientHostAsync(groupId: topic))
        {
            var producer = host.Services.GetRequiredService<IProducer<string, string>>();
            var message = new Message<string, string> { Key = "c-1", Value = "{\"broken\":", Headers = [] };
            message.Headers.Add("dlq-reason", Encoding.UTF8.GetBytes("Not JSON"));
            await producer.ProduceAsync(topic, message);
        }

        var (consumed, records) = await CommandLine.RunAsync("kcat", ["-b", tool, "-C", "-t", topic, "-o", "beginning", "-e", "-f", "%h %s\n", "-m", "10"], TimeSpan.FromSeconds(60));
        Assert.True(consumed == 0, records);
        Assert.Contains("dlq-reason=Not JSON {\"broken\":", records);
    }

    private static ActivityListener RecordKafkaSpans(ConcurrentBag<Activity> spans)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == KafkaTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }

    private async Task<IHost> BuildClientHostAsync(string groupId)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:kafka"] = await fixture.App.GetConnectionStringAsync("kafka");
        builder.AddKafkaProducer<string, string>("kafka");
        builder.AddKafkaConsumer<string, string>("kafka", settings => settings.Config.GroupId = groupId);
        builder.Services.AddHealthChecks();
        return builder.Build();
    }
}
