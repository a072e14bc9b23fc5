using Confluent.Kafka;
using MiniCrm.ServiceDefaults.Kafka;

namespace MiniCrm.Workers.Messaging;

internal static class ConsumerRegistration
{
    /// <summary>A consumer group on <paramref name="topic"/> whose batches go to <typeparamref name="THandler"/>.</summary>
    /// <param name="maxBatchSize">Default messages per batch; a message may itself hold many items (a delivery batch holds hundreds).</param>
    /// <param name="maxBatchesInFlight">Default batches handled at once (see <see cref="BatchConsumerOptions.MaxBatchesInFlight"/>).</param>
    public static void AddBatchConsumer<TMessage, THandler>(this IHostApplicationBuilder builder, string topic, string group, int maxBatchSize = 5_000, int maxBatchesInFlight = 1)
        where THandler : class, IBatchHandler<TMessage>
    {
        builder.AddKeyedKafkaConsumer<string, byte[]>("kafka", group, settings =>
        {
            settings.Config.GroupId = group;
            // An offset the broker no longer has is an error to report, never a silent jump.
            settings.Config.AutoOffsetReset = AutoOffsetReset.Error;
            // librdkafka prefetches up to 64 MiB per consumer by default; the batches bound memory instead.
            settings.Config.QueuedMaxMessagesKbytes ??= 8 * 1024;
        }, (_, consumer) => consumer.SetPartitionsAssignedHandler(StartNewPartitionsAtTheBeginning));

        builder.Services.AddOptions<BatchConsumerOptions>(group)
            .Configure(options => (options.MaxBatchSize, options.MaxBatchesInFlight) = (maxBatchSize, maxBatchesInFlight))
            .BindConfiguration($"Consumers:{group}")
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddScoped<IBatchHandler<TMessage>, THandler>();
        builder.Services.AddSingleton<IHostedService>(sp => new KafkaBatchConsumer<TMessage>(
            topic,
            group,
            sp.GetRequiredKeyedService<IConsumer<string, byte[]>>(group),
            sp.GetRequiredKeyedService<KafkaClientHealth>(group),
            sp.GetRequiredService<IProducer<string, byte[]>>(),
            sp.GetRequiredService<IServiceScopeFactory>(),
            sp.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<BatchConsumerOptions>>().Get(group),
            sp.GetRequiredService<ILogger<KafkaBatchConsumer<TMessage>>>()));
    }

    /// <summary>
    /// With auto.offset.reset=error, a partition this group has never committed would fail too; such
    /// partitions start at the beginning of the log explicitly, the others at their committed offset.
    /// </summary>
    private static IEnumerable<TopicPartitionOffset> StartNewPartitionsAtTheBeginning(IConsumer<string, byte[]> consumer, List<TopicPartition> partitions)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var committed = consumer.Committed(partitions, TimeSpan.FromSeconds(10));
                return committed.Select(c => c.Offset == Offset.Unset
                    ? new TopicPartitionOffset(c.TopicPartition, Offset.Beginning)
                    : new TopicPartitionOffset(c.TopicPartition, c.Offset));
            }
            catch (KafkaException) when (attempt < 3)
            {
                // The group coordinator may still be settling right after a (re)start.
                Thread.Sleep(TimeSpan.FromSeconds(1));
            }
            catch (KafkaException)
            {
                // Let librdkafka use the committed offsets; a partition without one then raises the
                // offset-reset error, which the consumer reports as unhealthy: visible, never a silent skip.
                return partitions.Select(p => new TopicPartitionOffset(p, Offset.Unset));
            }
        }
    }
}
