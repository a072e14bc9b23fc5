using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MiniCrm.AppHost.Infrastructure.Kafka;

/// <summary>
/// Hosts the Local-mode Kafka emulator in the AppHost process: starts the mock cluster, creates
/// the declared topics, reports state and logs to the dashboard, and destroys the cluster after
/// every service has stopped.
/// </summary>
internal sealed class KafkaEmulatorRunner(
    ResourceNotificationService notifications,
    ResourceLoggerService resourceLogs,
    ILogger<KafkaEmulatorRunner> logger) : IHostedLifecycleService
{
    private readonly Lock _gate = new();
    private readonly List<KafkaMockCluster> _clusters = [];

    public async Task StartEmulatorAsync(KafkaEmulatorResource resource)
    {
        var log = resourceLogs.GetLogger(resource);
        await notifications.PublishUpdateAsync(resource, s => s with { State = KnownResourceStates.Starting });
        try
        {
            var cluster = KafkaMockCluster.Start(resource.Brokers);
            lock (_gate)
            {
                _clusters.Add(cluster);
            }

            log.LogInformation("Kafka emulator (librdkafka {Version} mock cluster, {Brokers} broker(s)) listening on {Bootstrap}.",
                Confluent.Kafka.Library.VersionString, resource.Brokers, cluster.BootstrapServers);
            log.LogWarning("The emulator keeps messages in memory, at most 5 MiB per partition; it is for development and tests.");

            foreach (var topic in resource.Annotations.OfType<KafkaTopicAnnotation>())
            {
                cluster.CreateTopic(topic.Name, topic.Partitions);
                log.LogInformation("Created topic {Topic} with {Partitions} partitions.", topic.Name, topic.Partitions);
            }

            resource.BootstrapServers.Set(cluster.BootstrapServers);
            await notifications.PublishUpdateAsync(resource, s => s with
            {
                State = new ResourceStateSnapshot(KnownResourceStates.Running, KnownResourceStateStyles.Success),
                StartTimeStamp = DateTime.UtcNow,
                Properties = [.. s.Properties, new("bootstrap.servers", cluster.BootstrapServers)],
            });
        }
        catch (Exception ex) when (ex is InvalidOperationException or DllNotFoundException or EntryPointNotFoundException)
        {
            logger.LogError("The Kafka emulator could not start: {Message}", ex.Message);
            log.LogError(ex, "The Kafka emulator could not start. It needs librdkafka from the librdkafka.redist package; " +
                             "run with Infrastructure:Mode=Containers to use a Kafka container instead.");
            await notifications.PublishUpdateAsync(resource, s => s with
            {
                State = new ResourceStateSnapshot(KnownResourceStates.FailedToStart, KnownResourceStateStyles.Error),
            });
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>After the orchestrator has stopped the services, so none of them loses its broker mid-flight.</summary>
    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            foreach (var cluster in _clusters)
            {
                cluster.Dispose();
            }

            _clusters.Clear();
        }

        return Task.CompletedTask;
    }
}
