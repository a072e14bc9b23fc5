using System.Collections.Concurrent;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using OpenTelemetry;

namespace MiniCrm.Workers.Campaigns;

/// <summary>
/// Degraded while a running campaign has had no receipt for twice the receipt timeout (re-dispatching
/// is not progress): the reconciler should have moved it, so something (usually the vendor) is away.
/// The answer names the campaigns, and each is logged once when it gets stuck.
/// </summary>
public sealed partial class StuckCampaignsHealthCheck(
    NpgsqlDataSource database, IOptions<ReconcileOptions> options, ILogger<StuckCampaignsHealthCheck> logger) : IHealthCheck
{
    private const string Stuck = """
        SELECT id, name, extract(epoch FROM now() - coalesce(last_receipt_at, prepared_at))::int
        FROM campaigns
        WHERE status = 'RUNNING' AND prepared_at IS NOT NULL
          AND coalesce(last_receipt_at, prepared_at) < now() - @stuck * interval '1 second'
        ORDER BY created_at
        LIMIT 5
        """;

    private readonly ConcurrentDictionary<Guid, bool> _reported = new();

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var stuck = new List<(Guid Id, string Name, int Seconds)>();
        try
        {
            using var _ = SuppressInstrumentationScope.Begin(); // a probe every few seconds is not a trace
            await using var command = database.CreateCommand(Stuck);
            command.Parameters.Add(new NpgsqlParameter("stuck", NpgsqlDbType.Double) { Value = 2.0 * options.Value.ReceiptTimeoutSeconds });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                stuck.Add((reader.GetGuid(0), reader.GetString(1), reader.GetInt32(2)));
            }
        }
        catch (NpgsqlException ex)
        {
            return HealthCheckResult.Unhealthy("The database does not answer.", ex);
        }

        foreach (var (id, name, seconds) in stuck.Where(s => _reported.TryAdd(s.Id, true)))
        {
            LogStuck(name, id, seconds);
        }

        foreach (var id in _reported.Keys.Except(stuck.Select(s => s.Id)))
        {
            _reported.TryRemove(id, out _);
        }

        return stuck.Count == 0
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Degraded("No receipt for more than twice the receipt timeout: " +
                string.Join(", ", stuck.Select(s => $"'{s.Name}' ({s.Id}) for {s.Seconds} s")));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Campaign '{Name}' ({CampaignId}) has had no receipt for {Seconds} s; the vendor, the broker or the database is away, and the reconciler keeps asking.")]
    private partial void LogStuck(string name, Guid campaignId, int seconds);
}
