using System.Collections.Concurrent;
using System.Text;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using MiniCrm.Core.Messaging;
using MiniCrm.Tests.Infrastructure;
using MiniCrm.Workers.Messaging;
using MiniCrm.ServiceDefaults.Kafka;

namespace MiniCrm.Tests.Pipeline;

[Collection(AppHostCollection.Name)]
public sealed class MessagingGuardsTests(AppHostFixture fixture)
{
    [Fact]
    public async Task A_readable_message_the_handler_cannot_process_is_dead_lettered_instead_of_blocking_its_partition()
    {
        await IngestDriver.EnsureCustomersAsync(fixture, 10);
        var customer = await fixture.ScalarAsync<Guid>("SELECT id FROM customers ORDER BY created_at LIMIT 1");
        var bootstrap = (await fixture.App.GetConnectionStringAsync("kafka"))!;
        var key = customer.ToString();
        var good = "after-bug-" + Guid.NewGuid().ToString("N");
        var bad = "bug-" + Guid.NewGuid().ToString("N");
        await using (var producer = new KafkaTestProducer(bootstrap))
        {
            // Valid JSON of an order without its items: it reads, then fails in the handler on every attempt.
            await producer.ProduceAsync(KafkaTopics.Orders, key, Encoding.UTF8.GetBytes(
                $$"""{"orderId":"{{bad}}","customerId":"{{customer}}","amount":1,"status":"COMPLETED","orderDate":"2025-01-01T00:00:00Z","items":null}"""));
            await producer.ProduceJsonAsync(KafkaTopics.Orders, key,
                new OrderSubmitted(good, customer, 5, MiniCrm.Core.Domain.OrderStatus.Completed, DateTimeOffset.UtcNow, [new OrderLineSubmitted("Tea", 1, 5)]));
        }

        await AppHostFixture.EventuallyAsync(async () => await fixture.ScalarAsync<long>($"SELECT count(*) FROM orders WHERE id = '{good}'") == 1,
            TimeSpan.FromSeconds(90), "the order behind the one the handler cannot process");

        // Not skipped silently: the bad order is on the dead-letter topic with the handler's reason, and not in orders.
        var dead = DeadLetterOf(bootstrap, KafkaTopics.Orders, key, m => Encoding.UTF8.GetString(m.Value).Contains(bad, StringComparison.Ordinal));
        Assert.NotNull(dead);
        Assert.True(dead.Message.Headers.TryGetLastBytes("dlq-reason", out var reason));
        Assert.NotEmpty(reason);
        Assert.Equal(0, await fixture.ScalarAsync<long>($"SELECT count(*) FROM orders WHERE id = '{bad}'"));
    }

    /// <summary>The first message with <paramref name="key"/> on <paramref name="topic"/>'s dead-letter topic that <paramref name="wanted"/> accepts.</summary>
    private static ConsumeResult<string, byte[]>? DeadLetterOf(string bootstrap, string topic, string key, Func<Message<string, byte[]>, bool> wanted)
    {
        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "dlq-reader-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        consumer.Subscribe(KafkaTopics.DeadLetterOf(topic));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromSeconds(1));
            if (result?.Message.Key == key && wanted(result.Message))
            {
                return result;
            }
        }

        return null;
    }

    [Fact]
    public async Task An_unreadable_message_goes_to_the_dead_letter_topic_with_its_reason_and_does_not_block_the_partition()
    {
        var bootstrap = (await fixture.App.GetConnectionStringAsync("kafka"))!;
        var key = $"poison-{Guid.NewGuid():N}@example.com";
        var email = $"after-poison-{Guid.NewGuid():N}@example.com";
        await using (var producer = new KafkaTestProducer(bootstrap))
        {
            // The same key puts both on one partition: the good message waits behind the bad one.
            await producer.ProduceAsync(KafkaTopics.Customers, key, Encoding.UTF8.GetBytes("{ this is not a customer"));
            await producer.ProduceJsonAsync(KafkaTopics.Customers, key,
                new CustomerSubmitted(Guid.CreateVersion7(), "After Poison", email, null, "Pune", DateTimeOffset.UtcNow));
        }

        await AppHostFixture.EventuallyAsync(async () => await fixture.ScalarAsync<long>($"SELECT count(*) FROM customers WHERE email = '{email}'") == 1,
            TimeSpan.FromSeconds(60), "the customer behind the poison message");

        var dead = DeadLetterOf(bootstrap, KafkaTopics.Customers, key, _ => true);
        Assert.NotNull(dead);
        Assert.Equal("{ this is not a customer", Encoding.UTF8.GetString(dead.Message.Value));
        Assert.True(dead.Message.Headers.TryGetLastBytes("dlq-reason", out var reason));
        Assert.Contains("Unreadable CustomerSubmitted", Encoding.UTF8.GetString(reason));
        Assert.True(dead.Message.Headers.TryGetLastBytes("dlq-source", out var source));
        Assert.StartsWith(KafkaTopics.Customers + "/", Encoding.UTF8.GetString(source));
    }

    [Fact]
    public async Task An_offset_dropped_by_the_brokers_retention_is_reported_unhealthy_not_skipped()
    {
        var bootstrap = (await fixture.App.GetConnectionStringAsync("kafka"))!;
        var topic = "retention-" + Guid.NewGuid().ToString("N")[..8];
        var group = "retention-test-" + Guid.NewGuid().ToString("N")[..8];
        var partition = new TopicPartition(topic, 0);
        using var raw = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = bootstrap }).Build();

        await raw.ProduceAsync(partition, new Message<string, byte[]> { Key = "k", Value = MessageJson.Serialize(Sample()) });
        using (var first = BuildConsumerHost(bootstrap, topic, group))
        {
            await first.StartAsync();
            await AppHostFixture.EventuallyAsync(() => Task.FromResult(RecordingHandler.Seen.ContainsKey(topic)), TimeSpan.FromSeconds(60), "the first message to be handled");

            // The group's offset must be on record before the noise pushes it out of the log.
            using var observer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig { BootstrapServers = bootstrap, GroupId = group }).Build();
            await AppHostFixture.EventuallyAsync(
                () => Task.FromResult(observer.Committed([partition], TimeSpan.FromSeconds(5)).Single().Offset == 1),
                TimeSpan.FromSeconds(60), "the first message's offset to be committed");
            await first.StopAsync();
        }

        // More than the emulator keeps per partition (5 MiB): the committed offset falls out of the log. Each is a valid
        // customer (random letters, so nothing compresses it away) that the handler would count if the gap were skipped.
        for (var i = 0; i < 80; i++)
        {
            var name = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(50 * 1024));
            raw.Produce(partition, new Message<string, byte[]> { Key = "noise", Value = MessageJson.Serialize(Sample() with { Name = name }) });
        }

        raw.Flush(TimeSpan.FromSeconds(30));

        using var second = BuildConsumerHost(bootstrap, topic, group);
        await second.StartAsync();
        var health = second.Services.GetRequiredService<HealthCheckService>();
        HealthReport? report = null;
        await AppHostFixture.EventuallyAsync(async () =>
        {
            report = await health.CheckHealthAsync();
            return report.Status == HealthStatus.Unhealthy;
        }, TimeSpan.FromSeconds(60), "the consumer to report the lost offset");

        var entry = report!.Entries[$"Kafka.Consumer.{group}"];
        Assert.Contains("no longer in the broker", entry.Description);
        Assert.Equal(1, RecordingHandler.Seen[topic]); // nothing after the gap was handled as if nothing had happened
        await second.StopAsync();
    }

    private static CustomerSubmitted Sample() => new(Guid.CreateVersion7(), "Retention Test", "retention@example.com", null, "Pune", DateTimeOffset.UtcNow);

    private static IHost BuildConsumerHost(string bootstrap, string topic, string group)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:kafka"] = bootstrap;
        builder.Configuration[$"Consumers:{group}:BatchWindowMilliseconds"] = "50";
        builder.AddKafkaProducer<string, byte[]>("kafka");
        builder.Services.AddSingleton(new RecordingHandler.Topic(topic));
        builder.AddBatchConsumer<CustomerSubmitted, RecordingHandler>(topic, group);
        builder.Services.AddHealthChecks();
        return builder.Build();
    }

    public sealed class RecordingHandler(RecordingHandler.Topic topic) : IBatchHandler<CustomerSubmitted>
    {
        public sealed record Topic(string Name);

        public static ConcurrentDictionary<string, int> Seen { get; } = new();

        public Task HandleAsync(IReadOnlyList<Consumed<CustomerSubmitted>> batch, CancellationToken ct)
        {
            Seen.AddOrUpdate(topic.Name, batch.Count, (_, n) => n + batch.Count);
            return Task.CompletedTask;
        }
    }
}
