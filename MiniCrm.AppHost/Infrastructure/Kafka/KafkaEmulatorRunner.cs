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
    private readonly Dictionary<KafkaEmulatorResource, KafkaMockCluster> _clusters = [];
    private readonly List<KafkaBootstrapForwarder> _forwarders = [];

    public async Task StartEmulatorAsync(KafkaEmulatorResource resource)
    {
        var log = resourceLogs.GetLogger(resource);
        await notifications.PublishUpdateAsync(resource, s => s with { State = KnownResourceStates.Starting });
        try
        {
            var cluster = KafkaMockCluster.Start(resource.Brokers);
            var forwarder = resource.ToolPort > 0 ? KafkaBootstrapForwarder.TryStart(resource.ToolPort, cluster.BootstrapServers, log) : null;
            lock (_gate)
            {
                _clusters.Add(resource, cluster);
                if (forwarder is not null)
                {
                    _forwarders.Add(forwarder);
                }
            }

            log.LogInformation("Kafka emulator (librdkafka {Version} mock cluster, {Brokers} broker(s)) listening on {Bootstrap}.",
                Confluent.Kafka.Library.VersionString, resource.Brokers, cluster.BootstrapServers);
            if (forwarder is not null)
            {
                log.LogInformation("Tools bootstrap on localhost:{Port}, for example: kcat -b localhost:{Port} -L", forwarder.Port, forwarder.Port);
            }

            log.LogWarning("The emulator keeps messages in memory, at most 5 MiB per partition; it is for development and tests. " +
                           "A hard crash of the AppHost (kill -9, power loss) loses what the Workers have not consumed yet; Ctrl+C or Stop drains first.");

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
                Properties = [
                    .. s.Properties,
                    new("bootstrap.servers", cluster.BootstrapServers),
                    .. forwarder is null ? Array.Empty<ResourcePropertySnapshot>() : [new ResourcePropertySnapshot("tools.bootstrap.servers", $"localhost:{forwarder.Port}")],
                    new("durability", "memory only: a hard crash of the AppHost loses unconsumed messages"),
                ],
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

    /// <summary>The dashboard's Stop: the brokers drop every connection and refuse new ones, keeping their messages, as a stopped broker keeps its log.</summary>
    public Task<ExecuteCommandResult> SetBrokersDownAsync(KafkaEmulatorResource resource) =>
        ChangeBrokersAsync(resource, down: true);

    public Task<ExecuteCommandResult> SetBrokersUpAsync(KafkaEmulatorResource resource) =>
        ChangeBrokersAsync(resource, down: false);

    private async Task<ExecuteCommandResult> ChangeBrokersAsync(KafkaEmulatorResource resource, bool down)
    {
        KafkaMockCluster? cluster;
        lock (_gate)
        {
            _clusters.TryGetValue(resource, out cluster);
        }

        if (cluster is null)
        {
            return CommandResults.Failure("The Kafka emulator is not running.");
        }

        var log = resourceLogs.GetLogger(resource);
        if (down)
        {
            cluster.SetBrokersDown();
            log.LogWarning("The brokers are down on request: clients lose their connections until Start; messages are kept.");
            await notifications.PublishUpdateAsync(resource, s => s with
            {
                State = new ResourceStateSnapshot(KnownResourceStates.Exited, KnownResourceStateStyles.Warn),
                StopTimeStamp = DateTime.UtcNow,
            });
        }
        else
        {
            cluster.SetBrokersUp();
            log.LogInformation("The brokers are up again.");
            await notifications.PublishUpdateAsync(resource, s => s with
            {
                State = new ResourceStateSnapshot(KnownResourceStates.Running, KnownResourceStateStyles.Success),
                StartTimeStamp = DateTime.UtcNow,
            });
        }

        return CommandResults.Success();
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>After the orchestrator has stopped the services, so none of them loses its broker mid-flight.</summary>
    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        KafkaBootstrapForwarder[] forwarders;
        lock (_gate)
        {
            forwarders = [.. _forwarders];
            _forwarders.Clear();
        }

        foreach (var forwarder in forwarders)
        {
            await forwarder.DisposeAsync();
        }

        lock (_gate)
        {
            foreach (var cluster in _clusters.Values)
            {
                cluster.Dispose();
            }

            _clusters.Clear();
        }
    }
}
