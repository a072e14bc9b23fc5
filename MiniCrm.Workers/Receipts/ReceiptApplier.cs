using Microsoft.Extensions.Options;
using MiniCrm.Core.Ai;
using MiniCrm.Core.Domain;
using MiniCrm.Workers.Campaigns;
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
/// </summary>
public sealed class ReceiptApplier(NpgsqlDataSource database, IOptions<AiOptions> ai)
{
    private const string Apply = """
        WITH outcome AS (
            SELECT DISTINCT ON (campaign_id, customer_id) *
            FROM unnest(@campaigns, @customers, @statuses, @at, @reasons) AS r(campaign_id, customer_id, status, at, reason)
            ORDER BY campaign_id, customer_id
        ), changed AS (
            UPDATE communication_logs l
            SET status = o.status, delivered_at = o.at, failure_reason = o.reason
            FROM outcome o
            WHERE l.campaign_id = o.campaign_id AND l.customer_id = o.customer_id AND l.status = 'PENDING'
            RETURNING l.campaign_id, l.status
        ), counts AS (
            SELECT campaign_id,
                   count(*) FILTER (WHERE status = 'SENT') AS sent,
                   count(*) FILTER (WHERE status = 'FAILED') AS failed
            FROM changed GROUP BY campaign_id
            ORDER BY campaign_id -- campaign rows are locked in one order, so concurrent batches queue instead of deadlocking
        )
        UPDATE campaigns c
        SET sent_count = c.sent_count + counts.sent,
            failed_count = c.failed_count + counts.failed,
            pending_count = c.pending_count - counts.sent - counts.failed,
            last_receipt_at = clock_timestamp()
        FROM counts
        WHERE c.id = counts.campaign_id
        RETURNING c.id
        """;

    // A campaign whose last delivery settled is COMPLETED once (the status guards it). When a model is
    // configured its summary is due from then on; the offline summary is there in the meantime.
    private static readonly string Complete = $"""
        UPDATE campaigns
        SET status = 'COMPLETED',
            completed_at = clock_timestamp(),
            summary_provider = 'offline',
            summary_due_at = CASE WHEN @ask_model THEN clock_timestamp() END
        WHERE id = ANY(@ids) AND status = 'RUNNING' AND pending_count = 0 AND prepared_at IS NOT NULL
        RETURNING {CampaignFactsSql.Columns}
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

        var touched = new List<Guid>();
        await using (var apply = new NpgsqlCommand(Apply, connection, transaction))
        {
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
        }

        var completed = await CompleteAsync(connection, transaction, touched, ai.Value.UsesModel, ct);
        await transaction.CommitAsync(ct);
        return completed;
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

        var completed = new List<(Guid Id, CampaignFacts Facts)>();
        await using (var complete = new NpgsqlCommand(Complete, connection, transaction))
        {
            complete.Parameters.Add(new NpgsqlParameter<Guid[]>("ids", [.. touched]));
            complete.Parameters.Add(new NpgsqlParameter<bool>("ask_model", askModel));
            await using var reader = await complete.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                completed.Add(CampaignFactsSql.Read(reader));
            }
        }

        if (completed.Count > 0)
        {
            // The offline summary, from the counters just settled, in the transaction that completes the campaign.
            await using var summarise = new NpgsqlCommand(
                "UPDATE campaigns c SET summary = s.summary FROM unnest(@ids, @summaries) AS s(id, summary) WHERE c.id = s.id", connection, transaction);
            summarise.Parameters.Add(new NpgsqlParameter<Guid[]>("ids", [.. completed.Select(c => c.Id)]));
            summarise.Parameters.Add(new NpgsqlParameter<string[]>("summaries", [.. completed.Select(c => c.Facts.Render())]));
            await summarise.ExecuteNonQueryAsync(ct);
        }

        return [.. completed.Select(c => c.Id)];
    }

    /// <summary>A reason fits its column and holds nothing PostgreSQL refuses (one NUL must not dead-letter a batch of receipts).</summary>
    private static string? Truncate(string? reason) => reason is null ? null : StoredText.Clean(reason is { Length: > 500 } ? reason[..500] : reason);
}
