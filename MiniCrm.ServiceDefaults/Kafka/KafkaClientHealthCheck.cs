using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MiniCrm.ServiceDefaults.Kafka;

/// <summary>
/// Healthy while the client's own connection answers a metadata request within five seconds and no
/// fatal condition has been reported for it (see <see cref="KafkaClientHealth"/>).
/// </summary>
internal sealed class KafkaClientHealthCheck(Func<IClient> client, KafkaClientHealth health) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (health.Failure is { } failure)
        {
            return HealthCheckResult.Unhealthy(failure);
        }

        try
        {
            // A dependent admin client shares the client's connections instead of opening its own, so it is cheap to make per check.
            using var admin = new DependentAdminClientBuilder(client().Handle).Build();
            var metadata = await Task.Run(() => admin.GetMetadata(TimeSpan.FromSeconds(5)), cancellationToken);
            return metadata.Brokers.Count > 0
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy("The cluster reported no brokers.");
        }
        catch (KafkaException ex)
        {
            return HealthCheckResult.Unhealthy(ex.Message, ex);
        }
    }
}

/// <summary>
/// Where code that uses a Kafka client reports a condition that needs a person, such as a consumer
/// whose committed offset fell out of the broker's retention. It turns the client's health check unhealthy.
/// </summary>
public sealed class KafkaClientHealth
{
    private volatile string? _failure;

    public string? Failure => _failure;

    public void ReportFailure(string reason) => _failure = reason;

    public void Clear() => _failure = null;
}
