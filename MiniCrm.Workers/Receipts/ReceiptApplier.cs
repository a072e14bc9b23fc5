using Microsoft.Extensions.Options;
using MiniCrm.Core.Ai;
using MiniCrm.Core.Domain;
using MiniCrm.Core.Campaigns;
using MiniCrm.Core.Text;
using Npgsql;
using NpgsqlTypes;

namespace MiniCrm.Workers.Receipts;

public sealed record DeliveryOutcome(Guid CampaignId, Guid CustomerId, DeliveryStatus Status, DateTimeOffset At, string? Reason);

/// <summary>
/// Applies delivery outcomes (vendor receipts, and deliveries that could not be handed to the vendor)
/// in one statement. Only a PENDING → SENT/FAILED transition counts: counters move by the rows that
/// actually changed, so duplicated receipts change nothing. A campaign whose last pending delivery
/// settles is COMPLETED with its summary in the same transaction, exactly once (the status guards it).
/// A receipt for a delivery of a cancelled campaign that the vendor already had still counts.
/// </summary>
public sealed class ReceiptApplier(NpgsqlDataSource database, IOptions<AiOptions> ai)
{
    /// <summary>
    /// Outcomes for deliveries in status <paramref name="from"/> (PENDING; or CANCELLED, which the vendor
    /// had before the cancel), counted out of <paramref name="counter"/> and into sent or failed. A cancelled
    /// delivery that went out after all is a message again for smart sending (<paramref name="remember"/>): the
    /// cancel took the customer's record back, and without it they would be messaged again within the window.
    /// </summary>
    private static string ApplyFrom(string from, string counter, bool remember = false) => $"""
        WITH outcome AS (
            SELECT DISTINCT ON (campaign_id, customer_id) *
            FROM unnest(@campaigns, @customers, @statuses, @at, @reasons) AS r(campaign_id, customer_id, status, at, reason)
            ORDER BY campaign_id, customer_id
        ), changed AS (
            UPDATE communication_logs l
            SET status = o.status, delivered_at = o.at, failure_reason = o.reason
            FROM outcome o
            WHERE l.campaign_id = o.campaign_id AND l.customer_id = o.customer_id AND l.status = '{from}'
            RETURNING l.campaign_id, l.customer_id, l.created_at, l.status
        ){(remember ? """
        , remembered AS (
            INSERT INTO last_campaign_messages (customer_id, at, campaign_id)
            SELECT customer_id, created_at, campaign_id FROM changed
            ON CONFLICT (customer_id) DO UPDATE SET at = excluded.at, campaign_id = excluded.campaign_id
            WHERE last_campaign_messages.at <= excluded.at
        ), attributed AS (
            -- A delivered message the cancel had counted out: what the campaign earned is looked at again for its customer.
            INSERT INTO attribution_queue (customer_id)
            SELECT DISTINCT customer_id FROM changed WHERE status = 'SENT' ORDER BY customer_id
            ON CONFLICT (customer_id) DO UPDATE SET due_at = least(attribution_queue.due_at, excluded.due_at)
        )
        """ : "")}, counts AS (
            SELECT campaign_id,
                   count(*) FILTER (WHERE status = 'SENT') AS sent,
                   count(*) FILTER (WHERE status = 'FAILED') AS failed
            FROM changed GROUP BY campaign_id
            ORDER BY campaign_id -- campaign rows are locked in one order, so concurrent batches queue instead of deadlocking
        )
        UPDATE campaigns c
        SET sent_count = c.sent_count + counts.sent,
            failed_count = c.failed_count + counts.failed,
            {counter} = c.{counter} - counts.sent - counts.failed,
            last_receipt_at = clock_timestamp()
        FROM counts
        WHERE c.id = counts.campaign_id
        RETURNING c.id
        """;

    private static readonly string Apply = ApplyFrom("PENDING", "pending_count");

    private static readonly string ApplyToCancelled = ApplyFrom("CANCELLED", "cancelled_count", remember: true);

    // A campaign whose last delivery settled is COMPLETED once (the status guards it); a paused one too,
    // since nothing is left to resume. Its summary is written in the same transaction.
    private const string Complete = """
        UPDATE campaigns
        SET status = 'COMPLETED',
            completed_at = clock_timestamp()
        WHERE id = ANY(@ids) AND status IN ('RUNNING', 'PAUSED') AND pending_count = 0 AND prepared_at IS NOT NULL
        RETURNING id
        """;

    /// <returns>The campaigns this call completed.</returns>
    public async Task<IReadOnlyList<Guid>> ApplyAsync(IReadOnlyList<DeliveryOutcome> outcomes, CancellationToken ct)
    {
        if (outcomes.Count == 0)
        {
            return [];
        }

        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);

        var touched = await RunAsync(Apply, connection, transaction, outcomes, ct);
        var completed = await CompleteAsync(connection, transaction, touched, ai.Value.UsesModel, ct);

        // Receipts for deliveries of a cancelled campaign that the vendor had before the cancel count as
        // what they say: the message went out. Its counters and summary follow.
        var cancelled = await CancelledAsync(connection, transaction, [.. outcomes.Select(o => o.CampaignId).Distinct()], ct);
        if (cancelled.Count > 0)
        {
            var late = await RunAsync(ApplyToCancelled, connection, transaction, [.. outcomes.Where(o => cancelled.Contains(o.CampaignId))], ct);
            await CampaignFactsSql.ResummariseAsync(connection, transaction, late, ai.Value.UsesModel, ct);
        }

        await transaction.CommitAsync(ct);
        return completed;
    }

    private static async Task<List<Guid>> RunAsync(string sql, NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<DeliveryOutcome> outcomes, CancellationToken ct)
    {
        var touched = new List<Guid>();
        await using var apply = new NpgsqlCommand(sql, connection, transaction);
        apply.Parameters.Add(new NpgsqlParameter<Guid[]>("campaigns", [.. outcomes.Select(o => o.CampaignId)]));
        apply.Parameters.Add(new NpgsqlParameter<Guid[]>("customers", [.. outcomes.Select(o => o.CustomerId)]));
        apply.Parameters.Add(new NpgsqlParameter<string[]>("statuses", [.. outcomes.Select(o => o.Status == DeliveryStatus.Sent ? "SENT" : "FAILED")]));
        apply.Parameters.Add(new NpgsqlParameter<DateTime[]>("at", [.. outcomes.Select(o => o.At.UtcDateTime)]));
        apply.Parameters.Add(new NpgsqlParameter("reasons", NpgsqlDbType.Array | NpgsqlDbType.Text)
        {
            Value = outcomes.Select(o => (object?)Truncate(o.Reason) ?? DBNull.Value).ToArray(),
        });
        await using var reader = await apply.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            touched.Add(reader.GetGuid(0));
        }

        return touched;
    }

    private static async Task<HashSet<Guid>> CancelledAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid[] campaigns, CancellationToken ct)
    {
        var cancelled = new HashSet<Guid>();
        await using var find = new NpgsqlCommand("SELECT id FROM campaigns WHERE id = ANY(@ids) AND status = 'CANCELLED'", connection, transaction);
        find.Parameters.Add(new NpgsqlParameter<Guid[]>("ids", campaigns));
        await using var reader = await find.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            cancelled.Add(reader.GetGuid(0));
        }

        return cancelled;
    }

    private const string FailPending = """
        WITH changed AS (
            UPDATE communication_logs
            SET status = 'FAILED', failure_reason = @reason, delivered_at = clock_timestamp()
            WHERE campaign_id = @campaign AND status = 'PENDING'
            RETURNING 1
        ), counted AS (SELECT count(*)::int AS failed FROM changed)
        UPDATE campaigns
        SET failed_count = failed_count + counted.failed,
            pending_count = pending_count - counted.failed,
            last_receipt_at = clock_timestamp()
        FROM counted
        WHERE id = @campaign
        RETURNING counted.failed
        """;

    /// <summary>
    /// Gives up on every delivery of the campaign still PENDING (no receipt came back however often it
    /// went out): FAILED with <paramref name="reason"/>, counted, and the campaign completed, in one transaction.
    /// </summary>
    /// <returns>How many deliveries it failed.</returns>
    public async Task<int> FailPendingAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid campaign, string reason, CancellationToken ct)
    {
        await using var fail = new NpgsqlCommand(FailPending, connection, transaction);
        fail.Parameters.Add(new NpgsqlParameter("campaign", NpgsqlDbType.Uuid) { Value = campaign });
        fail.Parameters.Add(new NpgsqlParameter("reason", NpgsqlDbType.Text) { Value = Truncate(reason)! });
        var failed = (int)(await fail.ExecuteScalarAsync(ct) ?? 0);
        await CompleteAsync(connection, transaction, [campaign], ai.Value.UsesModel, ct);
        return failed;
    }

    private static async Task<List<Guid>> CompleteAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<Guid> touched, bool askModel, CancellationToken ct)
    {
        if (touched.Count == 0)
        {
            return [];
        }

        var completed = new List<Guid>();
        await using (var complete = new NpgsqlCommand(Complete, connection, transaction))
        {
            complete.Parameters.Add(new NpgsqlParameter<Guid[]>("ids", [.. touched]));
            await using var reader = await complete.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                completed.Add(reader.GetGuid(0));
            }
        }

        // The offline summary, from the counters just settled, in the transaction that completes the campaign.
        await CampaignFactsSql.ResummariseAsync(connection, transaction, completed, askModel, ct);
        return completed;
    }

    /// <summary>A reason fits its column and holds nothing PostgreSQL refuses (one NUL must not dead-letter a batch of receipts).</summary>
    private static string? Truncate(string? reason) => reason is null ? null : StoredText.Clean(StoredText.Truncate(reason, 500));
}
