using Microsoft.Extensions.Options;
using MiniCrm.Core.Ai;
using MiniCrm.Core.Campaigns;
using MiniCrm.Core.Consent;
using MiniCrm.ServiceDefaults.Operations;
using Npgsql;
using NpgsqlTypes;
using OpenTelemetry;

using MiniCrm.Workers.Jobs;

namespace MiniCrm.Workers.Campaigns;

/// <summary>
/// Finishes cancelled campaigns: marks their PENDING deliveries CANCELLED and moves the counters (log rows
/// first, then the campaign row, the order receipts take them in, so the two never deadlock), then writes
/// the summary, and takes back smart sending's record of the messages that were not sent. The Api's cancel is one status change; this makes the counters add up within a tick, and
/// keeps doing so after a crash, since it looks for what is left rather than remembering what it was told.
/// </summary>
public sealed partial class CancellationFinisher(
    NpgsqlDataSource database, IOptions<ReconcileOptions> reconcile, IOptions<AiOptions> ai, IOptions<ConsentOptions> consent, DrainSignal drain,
    ILogger<CancellationFinisher> logger)
    : PollingJob(drain, logger)
{
    private const string Due = "SELECT id, trace_parent FROM campaigns WHERE status = 'CANCELLED' AND (pending_count > 0 OR summary_provider IS NULL) ORDER BY completed_at LIMIT 20";

    private const string CancelPending = """
        WITH changed AS (
            UPDATE communication_logs SET status = 'CANCELLED'
            WHERE campaign_id = @id AND status = 'PENDING'
            RETURNING 1
        ), counted AS (SELECT count(*)::int AS cancelled FROM changed)
        UPDATE campaigns
        SET cancelled_count = cancelled_count + counted.cancelled, pending_count = pending_count - counted.cancelled
        FROM counted
        WHERE id = @id AND status = 'CANCELLED'
        RETURNING counted.cancelled
        """;

    protected override TimeSpan Interval => TimeSpan.FromSeconds(reconcile.Value.IntervalSeconds);

    public override Task RunOnceAsync(CancellationToken ct) => FinishAsync(ct);

    public async Task FinishAsync(CancellationToken ct)
    {
        var due = new List<(Guid Id, string? TraceParent)>();
        using (SuppressInstrumentationScope.Begin())
        {
            await using var find = database.CreateCommand(Due);
            await using var reader = await find.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                due.Add((reader.GetGuid(0), reader.IsDBNull(1) ? null : reader.GetString(1)));
            }
        }

        foreach (var (campaign, traceParent) in due)
        {
            using var activity = CampaignTracing.Source.StartActivity("finish cancelled campaign", System.Diagnostics.ActivityKind.Internal, CampaignTracing.ParentOf(traceParent));
            activity?.SetTag("minicrm.campaign.id", campaign);
            await using var connection = await database.OpenConnectionAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await using var cancel = new NpgsqlCommand(CancelPending, connection, transaction) { CommandTimeout = 0 };
            cancel.Parameters.Add(new NpgsqlParameter("id", NpgsqlDbType.Uuid) { Value = campaign });
            var cancelled = (int)(await cancel.ExecuteScalarAsync(ct) ?? 0);
            await using (var forget = new NpgsqlCommand(AudienceEligibility.ForgetCancelled(consent.Value), connection, transaction) { CommandTimeout = 0 })
            {
                forget.Parameters.Add(new NpgsqlParameter("id", NpgsqlDbType.Uuid) { Value = campaign });
                await forget.ExecuteNonQueryAsync(ct);
            }

            await CampaignFactsSql.ResummariseAsync(connection, transaction, [campaign], ai.Value.UsesModel, ct);
            await transaction.CommitAsync(ct);
            LogFinished(campaign, cancelled);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Campaign {CampaignId} is cancelled: {Cancelled} deliveries that were not sent are CANCELLED.")]
    private partial void LogFinished(Guid campaignId, int cancelled);
}
