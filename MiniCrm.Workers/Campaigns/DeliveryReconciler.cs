using System.ComponentModel.DataAnnotations;
using MiniCrm.ServiceDefaults.Operations;
using MiniCrm.Workers.Deliveries;
using MiniCrm.Workers.Receipts;
using Npgsql;
using NpgsqlTypes;
using OpenTelemetry;

using MiniCrm.Workers.Jobs;

namespace MiniCrm.Workers.Campaigns;

public sealed class ReconcileOptions
{
    public const string SectionName = "Reconcile";

    /// <summary>A campaign whose dispatch is done and that has had no receipt for this long has its PENDING deliveries dispatched again.</summary>
    [Range(1, 86_400)]
    public int ReceiptTimeoutSeconds { get; set; } = 120;

    /// <summary>Dispatches of one delivery (the first included) before it is FAILED as "no receipt from the vendor"; the wait doubles after each.</summary>
    [Range(1, 50)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>A campaign with no receipt for this long fails what is still PENDING, however the vendor fares (an outage does not count attempts).</summary>
    [Range(0.001, 8_760)]
    public double DeadlineHours { get; set; } = 6;

    [Range(1, 3_600)]
    public int IntervalSeconds { get; set; } = 5;
}

/// <summary>
/// Every campaign finishes. A delivery can vanish between the dispatcher and the receipt (a vendor
/// that loses it, a receipt lost on the way, a crash); the reconciler finds campaigns whose dispatch is
/// done and that have gone quiet with deliveries still PENDING, and dispatches those again (the
/// vendor drops a delivery id it already has, so no customer is messaged twice), waiting twice as
/// long each time. After <see cref="ReconcileOptions.MaxAttempts"/> dispatches, or no receipt for
/// <see cref="ReconcileOptions.DeadlineHours"/>, what is left is FAILED with the reason and the
/// campaign completes with exact counters. While the vendor is away its tries do not count.
/// </summary>
public sealed partial class DeliveryReconciler(
    NpgsqlDataSource database,
    ReceiptApplier receipts,
    VendorCircuit vendor,
    DrainSignal drain,
    Microsoft.Extensions.Options.IOptions<ReconcileOptions> options,
    ILogger<DeliveryReconciler> logger) : PollingJob(drain, logger)
{
    private const string Due = """
        SELECT id, dispatch_round, trace_parent,
               GREATEST(dispatched_at, coalesce(last_receipt_at, dispatched_at)) < now() - @deadline_hours * interval '1 hour' AS overdue
        FROM campaigns
        WHERE status = 'RUNNING' AND prepared_at IS NOT NULL AND dispatched_at IS NOT NULL AND pending_count > 0
          AND GREATEST(dispatched_at, coalesce(last_receipt_at, dispatched_at))
              < now() - LEAST(@timeout * power(2, dispatch_round - 1), 3600) * interval '1 second'
        ORDER BY created_at
        LIMIT 20
        """;

    private ReconcileOptions Settings => options.Value;

    protected override TimeSpan Interval => TimeSpan.FromSeconds(Settings.IntervalSeconds);

    // While the vendor is away its tries would not count: nothing is re-dispatched.
    protected override bool Paused => vendor.IsOpen;

    public override Task RunOnceAsync(CancellationToken ct) => ReconcileAsync(ct);

    public async Task ReconcileAsync(CancellationToken ct)
    {
        var due = new List<(Guid Id, int Round, string? TraceParent, bool Overdue)>();
        // Looking for work is not work: an idle poll leaves no trace in the dashboard.
        using (SuppressInstrumentationScope.Begin())
        {
            await using var find = database.CreateCommand(Due);
            find.Parameters.Add(new NpgsqlParameter("timeout", NpgsqlDbType.Double) { Value = (double)Settings.ReceiptTimeoutSeconds });
            find.Parameters.Add(new NpgsqlParameter("deadline_hours", NpgsqlDbType.Double) { Value = Settings.DeadlineHours });
            await using var reader = await find.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                due.Add((reader.GetGuid(0), reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetBoolean(3)));
            }
        }

        foreach (var (campaign, round, traceParent, overdue) in due)
        {
            // Part of the campaign's trace: its re-dispatch rounds show beside its first dispatch.
            using var activity = CampaignTracing.Source.StartActivity("reconcile campaign", System.Diagnostics.ActivityKind.Internal, CampaignTracing.ParentOf(traceParent));
            activity?.SetTag("minicrm.campaign.id", campaign);
            activity?.SetTag("minicrm.dispatch.round", round);
            await ReconcileCampaignAsync(campaign, round, overdue, ct);
        }
    }

    private async Task ReconcileCampaignAsync(Guid campaign, int round, bool overdue, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var lockRow = new NpgsqlCommand(
            "SELECT 1 FROM campaigns WHERE id = @id AND status = 'RUNNING' AND dispatch_round = @round AND dispatched_at IS NOT NULL FOR UPDATE SKIP LOCKED", connection, transaction))
        {
            lockRow.Parameters.Add(new NpgsqlParameter("id", NpgsqlDbType.Uuid) { Value = campaign });
            lockRow.Parameters.Add(new NpgsqlParameter("round", NpgsqlDbType.Integer) { Value = round });
            if (await lockRow.ExecuteScalarAsync(ct) is null)
            {
                return; // another Workers instance has it, or a receipt settled it meanwhile
            }
        }

        if (overdue || round >= Settings.MaxAttempts)
        {
            var reason = overdue
                ? $"No receipt from the vendor within {Settings.DeadlineHours:0.##} hours."
                : $"No receipt from the vendor after {round} attempts.";
            var failed = await receipts.FailPendingAsync(connection, transaction, campaign, reason, ct);
            await transaction.CommitAsync(ct);
            LogGaveUp(campaign, failed, reason);
            return;
        }

        // A vendor that is away has not had a real try: the round goes out again without counting.
        var counts = !vendor.VendorAway;
        var pending = 0;
        if (counts)
        {
            await using var attempt = new NpgsqlCommand(
                "UPDATE communication_logs SET attempts = attempts + 1 WHERE campaign_id = @id AND status = 'PENDING'", connection, transaction);
            attempt.Parameters.Add(new NpgsqlParameter("id", NpgsqlDbType.Uuid) { Value = campaign });
            pending = await attempt.ExecuteNonQueryAsync(ct);
        }

        await using (var again = new NpgsqlCommand(
            "UPDATE campaigns SET dispatch_round = dispatch_round + @counts, dispatch_cursor = NULL, dispatched_at = NULL WHERE id = @id", connection, transaction))
        {
            again.Parameters.Add(new NpgsqlParameter("id", NpgsqlDbType.Uuid) { Value = campaign });
            again.Parameters.Add(new NpgsqlParameter("counts", NpgsqlDbType.Integer) { Value = counts ? 1 : 0 });
            await again.ExecuteNonQueryAsync(ct);
        }

        await transaction.CommitAsync(ct);
        LogRedispatching(campaign, pending, round + (counts ? 1 : 0), Settings.MaxAttempts);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Campaign {CampaignId}: {Pending} deliveries got no receipt; dispatching them again (attempt {Attempt} of {MaxAttempts}).")]
    private partial void LogRedispatching(Guid campaignId, int pending, int attempt, int maxAttempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Campaign {CampaignId}: {Failed} deliveries are FAILED: {Reason}")]
    private partial void LogGaveUp(Guid campaignId, int failed, string reason);

}
