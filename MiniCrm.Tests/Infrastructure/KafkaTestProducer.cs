using Confluent.Kafka;
using MiniCrm.Core.Messaging;

namespace MiniCrm.Tests.Infrastructure;

/// <summary>Puts messages on the bus directly, as a redelivery or a misbehaving producer would.</summary>
public sealed class KafkaTestProducer(string bootstrapServers) : IAsyncDisposable
{
    private readonly IProducer<string, byte[]> _producer =
        new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = bootstrapServers }).Build();

    public Task ProduceJsonAsync<T>(string topic, string key, T message) => ProduceAsync(topic, key, MessageJson.Serialize(message));

    public async Task ProduceAsync(string topic, string key, byte[] value) =>
        await _producer.ProduceAsync(topic, new Message<string, byte[]> { Key = key, Value = value });

    public ValueTask DisposeAsync()
    {
        _producer.Flush(TimeSpan.FromSeconds(5));
        _producer.Dispose();
        return ValueTask.CompletedTask;
    }
}
