using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MiniCrm.AppHost.Infrastructure.Kafka;

/// <summary>
/// Healthy when the broker answers a metadata request and has every declared topic. A real
/// broker gets missing topics created here (the emulator creates them when it starts, and its
/// mock broker does not support the CreateTopics API), so dependants never start before their topics exist.
/// </summary>
internal sealed class KafkaHealthCheck(IKafkaResource resource, KafkaAdminClients admins) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var admin = await admins.GetAsync(resource, cancellationToken);
            var metadata = await Task.Run(() => admin.GetMetadata(TimeSpan.FromSeconds(5)), cancellationToken);
            var existing = metadata.Topics.Where(t => t.Error.Code == ErrorCode.NoError).Select(t => t.Topic).ToHashSet();
            var missing = resource.Annotations.OfType<KafkaTopicAnnotation>().Where(t => !existing.Contains(t.Name)).ToList();
            if (missing.Count > 0)
            {
                await CreateTopicsAsync(admin, missing);
            }

            return HealthCheckResult.Healthy($"{metadata.Brokers.Count} broker(s), {existing.Count + missing.Count} topic(s)");
        }
        catch (KafkaException ex)
        {
            return HealthCheckResult.Unhealthy(ex.Message, ex);
        }
    }

    private static async Task CreateTopicsAsync(IAdminClient admin, IEnumerable<KafkaTopicAnnotation> topics)
    {
        try
        {
            await admin.CreateTopicsAsync(topics.Select(t =>
                new TopicSpecification { Name = t.Name, NumPartitions = t.Partitions, ReplicationFactor = 1 }));
        }
        catch (CreateTopicsException ex) when (ex.Results.All(r => r.Error.Code is ErrorCode.NoError or ErrorCode.TopicAlreadyExists))
        {
        }
    }
}

/// <summary>
/// One admin client per broker resource for the AppHost's health checks, which are created anew
/// for every check. Its own log is silent: the check's result already says what is wrong.
/// </summary>
internal sealed class KafkaAdminClients : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, IAdminClient> _clients = [];

    public async Task<IAdminClient> GetAsync(IKafkaResource resource, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (!_clients.TryGetValue(resource.Name, out var client))
            {
                client = new AdminClientBuilder(new AdminClientConfig
                {
                    BootstrapServers = await resource.ConnectionStringExpression.GetValueAsync(cancellationToken),
                    SocketTimeoutMs = 5000,
                }).SetLogHandler((_, _) => { }).Build();
                _clients[resource.Name] = client;
            }

            return client;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }

        _gate.Dispose();
    }
}
