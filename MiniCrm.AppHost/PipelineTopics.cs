using Microsoft.Extensions.Configuration;
using MiniCrm.AppHost.Infrastructure.Kafka;
using MiniCrm.ServiceDefaults.Kafka;

namespace MiniCrm.AppHost;

/// <summary>The seed's four topics and their dead-letter topics, with partition counts from <c>Kafka:Partitions:{topic}</c>.</summary>
internal static class PipelineTopics
{
    // Many partitions spread load over consumers and, on the emulator, multiply its 5 MiB-per-partition retention.
    private const int DefaultPartitions = 8;
    private const int DeadLetterPartitions = 1;

    public static IEnumerable<KafkaTopicAnnotation> Declare(IConfiguration configuration)
    {
        foreach (var topic in KafkaTopics.All)
        {
            var partitions = configuration.GetValue($"Kafka:Partitions:{topic}", DefaultPartitions);
            if (partitions < 1)
            {
                throw new DistributedApplicationException($"Kafka:Partitions:{topic} is {partitions}; a topic needs at least one partition.");
            }

            yield return new KafkaTopicAnnotation(topic, partitions);
            yield return new KafkaTopicAnnotation(KafkaTopics.DeadLetterOf(topic), DeadLetterPartitions);
        }
    }
}
