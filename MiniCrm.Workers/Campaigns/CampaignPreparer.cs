using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Options;
using MiniCrm.Core.Campaigns;
using MiniCrm.Core.Consent;
using MiniCrm.Core.Outcomes;
using MiniCrm.Core.Segments;
using Npgsql;
using NpgsqlTypes;
using OpenTelemetry;

namespace MiniCrm.Workers.Campaigns;

/// <summary>
/// Prepares a launched campaign: writes one personalised log row per customer of the segment who may be
/// messaged (not unsubscribed, not at the frequency cap, not messaged within smart sending's window unless the
/// campaign turned it off; how many were left out for each is recorded), in
/// one set-based transaction (INSERT ... SELECT, nothing loaded into memory), and fixes the audience
/// size. The rows are written in customer-id order, the order in which they are dispatched and their
/// receipts arrive, so both walk the table instead of jumping around it. A row that cannot be parsed
/// is completed unsent with the reason, so it never stops the campaigns after it. Several Workers can
/// run it: the campaign row is locked (SKIP LOCKED) by the one preparing it.
/// </summary>
public sealed partial class CampaignPreparer(
    NpgsqlDataSource database, IOptions<DispatchOptions> options, IOptions<ConsentOptions> consentOptions, ILogger<CampaignPreparer> logger)
{
    /// <returns>true when a campaign was prepared (or completed unsent); false when none waits.</returns>
    public async Task<bool> PrepareNextAsync(CancellationToken ct)
    {
        // Looking for work is not work: an idle poll (the connection, the pick) leaves no trace in the dashboard.
        NpgsqlConnection connection;
        NpgsqlTransaction transaction;
        using (SuppressInstrumentationScope.Begin())
        {
            connection = await database.OpenConnectionAsync(ct);
            transaction = await connection.BeginTransactionAsync(ct);
        }

        await using var _ = connection;
        await using var __ = transaction;

        Guid id;
        string name, segmentJson, message;
        DateTime measuredFrom;
        string? traceParent;
        bool scheduled, smartSending;
        int holdout;
        // A launched campaign, or a scheduled one whose time has come. A scheduled campaign for a saved
        // audience takes the audience's rules as they are now, and records them; "days ago" counts from now.
        using (SuppressInstrumentationScope.Begin())
        await using (var pick = new NpgsqlCommand(
            """
            SELECT c.id, c.name, coalesce(CASE WHEN c.status = 'SCHEDULED' THEN s.rules END, c.segment)::text, c.message,
                   CASE WHEN c.status = 'SCHEDULED' THEN now() ELSE c.created_at END, c.trace_parent, c.status = 'SCHEDULED', c.smart_sending,
                   c.holdout_percent
            FROM campaigns c LEFT JOIN segments s ON s.id = c.segment_id
            WHERE c.prepared_at IS NULL AND (c.status IN ('RUNNING', 'PAUSED') OR (c.status = 'SCHEDULED' AND c.send_at <= now()))
            ORDER BY coalesce(c.send_at, c.created_at) LIMIT 1
            FOR UPDATE OF c SKIP LOCKED
            """,
            connection, transaction))
        await using (var reader = await pick.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct))
            {
                return false;
            }

            (id, name, segmentJson, message, measuredFrom, traceParent, scheduled, smartSending, holdout) =
                (reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetDateTime(4), reader.IsDBNull(5) ? null : reader.GetString(5),
                 reader.GetBoolean(6), reader.GetBoolean(7), reader.GetInt32(8));
        }

        using var activity = CampaignTracing.Source.StartActivity("prepare campaign", ActivityKind.Internal, CampaignTracing.ParentOf(traceParent));
        activity?.SetTag("minicrm.campaign.id", id);
        activity?.SetTag("minicrm.campaign.scheduled", scheduled);
        var started = Stopwatch.GetTimestamp();

        // One campaign is prepared at a time across all Workers: smart sending and the frequency cap look at the
        // messages other campaigns wrote, so two campaigns prepared side by side could both message one customer.
        // Every statement below reads a snapshot taken after the campaign before this one committed.
        await using (var serial = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('minicrm.prepare-campaign'))", connection, transaction) { CommandTimeout = 0 })
        {
            await serial.ExecuteNonQueryAsync(ct);
        }

        var errors = new List<FieldError>();
        using var segmentDocument = JsonDocument.Parse(segmentJson);
        var group = RuleGroupParser.Parse(segmentDocument.RootElement, errors);
        var template = MessageTemplate.Parse(message, errors);
        if (group is null || template is null)
        {
            // A row the Api would never have written (edited by hand, or by an older version): it
            // cannot be sent, and it must not stop the outbox for every campaign after it.
            var reason = string.Join("; ", errors.Select(e => $"{e.Field}: {e.Message}"));
            await CompleteUnpreparableAsync(connection, transaction, id, reason, ct);
            await transaction.CommitAsync(ct);
            activity?.SetStatus(ActivityStatusCode.Error, reason);
            LogUnpreparable(name, id, reason);
            return true;
        }

        // "Days ago" is measured from the launch, so the audience is the one the marketer previewed (from the start, when scheduled).
        var segment = SegmentSql.Compile(group, new DateTimeOffset(measuredFrom, TimeSpan.Zero));
        var consent = consentOptions.Value;
        AudienceCount counted;
        await using (var count = new NpgsqlCommand(AudienceEligibility.CountSql(segment.Condition, consent, smartSending), connection, transaction) { CommandTimeout = 0 })
        {
            count.Parameters.AddRange(segment.CloneParameters().ToArray());
            await using var reader = await count.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            counted = AudienceEligibility.Read(reader);
        }

        var (written, heldOut) = await WriteLogAsync(connection, transaction, id, segment, template, smartSending, holdout, activity, ct);
        var audience = written - heldOut;

        // Smart sending's record: a campaign message was written for each of them now (and nothing older than its window is kept).
        if (audience > 0)
        {
            await using var remember = new NpgsqlCommand(
                $"""
                INSERT INTO last_campaign_messages (customer_id, at, campaign_id)
                SELECT customer_id, now(), @campaign FROM communication_logs WHERE campaign_id = @campaign AND status = 'PENDING'
                ON CONFLICT (customer_id) DO UPDATE SET at = excluded.at, campaign_id = excluded.campaign_id
                WHERE last_campaign_messages.at <= excluded.at;
                {AudienceEligibility.ForgetOutsideWindow(consent)};
                """, connection, transaction) { CommandTimeout = 0 };
            remember.Parameters.Add(new NpgsqlParameter("campaign", NpgsqlDbType.Uuid) { Value = id });
            await remember.ExecuteNonQueryAsync(ct);
        }

        // Statistics that predate these rows make the planner expect a handful of them: the dispatch
        // read then sorts the whole campaign on every step (0.5 s instead of 5 ms at a million rows),
        // and receipt updates hash-join the table. ANALYZE samples a fixed number of rows (about
        // 0.2 s), and inside this transaction it counts the new rows.
        if (written > 0)
        {
            await using var analyze = new NpgsqlCommand("ANALYZE communication_logs", connection, transaction) { CommandTimeout = 0 };
            await analyze.ExecuteNonQueryAsync(ct);
        }

        await using (var update = new NpgsqlCommand(
            """
            UPDATE campaigns SET prepared_at = clock_timestamp(), audience_size = @audience, pending_count = @audience, held_out_count = @held_out, segment = @segment::jsonb,
                excluded_for_consent = @unsubscribed, excluded_for_frequency_cap = @capped, excluded_for_smart_sending = @recent,
                status = CASE WHEN @audience = 0 THEN 'COMPLETED' WHEN status = 'SCHEDULED' THEN 'RUNNING' ELSE status END,
                dispatched_at = CASE WHEN @audience = 0 THEN clock_timestamp() END,
                completed_at = CASE WHEN @audience = 0 THEN clock_timestamp() END,
                summary = CASE WHEN @audience = 0 AND @held_out > 0 THEN name || format(' reached no customer: the %s who could be messaged were all held out as the control group.', @held_out)
                               WHEN @audience = 0 AND @unsubscribed + @capped + @recent = 0 THEN name || ' reached no customer: none matched the segment when it was prepared.'
                               WHEN @audience = 0 THEN name || format(' reached no customer: the %s who matched when it was prepared were left out (%s unsubscribed, %s at the frequency cap, %s messaged recently: smart sending).',
                                                                      @unsubscribed + @capped + @recent, @unsubscribed, @capped, @recent) END,
                summary_provider = CASE WHEN @audience = 0 THEN 'offline' END
            WHERE id = @campaign
            """,
            connection, transaction))
        {
            update.Parameters.Add(new NpgsqlParameter("campaign", NpgsqlDbType.Uuid) { Value = id });
            update.Parameters.Add(new NpgsqlParameter("audience", NpgsqlDbType.Integer) { Value = audience });
            update.Parameters.Add(new NpgsqlParameter("held_out", NpgsqlDbType.Integer) { Value = heldOut });
            update.Parameters.Add(new NpgsqlParameter("segment", NpgsqlDbType.Text) { Value = SegmentText.ToJson(group).ToJsonString() });
            update.Parameters.Add(new NpgsqlParameter("unsubscribed", NpgsqlDbType.Integer) { Value = (int)counted.ExcludedForConsent });
            update.Parameters.Add(new NpgsqlParameter("capped", NpgsqlDbType.Integer) { Value = (int)counted.ExcludedForFrequencyCap });
            update.Parameters.Add(new NpgsqlParameter("recent", NpgsqlDbType.Integer) { Value = (int)counted.ExcludedForSmartSending });
            await update.ExecuteNonQueryAsync(ct);
        }

        await transaction.CommitAsync(ct);
        LogPrepared(name, id, audience, Stopwatch.GetElapsedTime(started).TotalSeconds);
        return true;
    }

    private static async Task CompleteUnpreparableAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid campaign, string reason, CancellationToken ct)
    {
        await using var complete = new NpgsqlCommand(
            """
            UPDATE campaigns SET prepared_at = clock_timestamp(), audience_size = 0, pending_count = 0, status = 'COMPLETED',
                dispatched_at = clock_timestamp(), completed_at = clock_timestamp(),
                summary = left(name || ' was not sent: its stored segment or message is invalid (' || @reason || ').', 2000), summary_provider = 'offline'
            WHERE id = @campaign
            """,
            connection, transaction);
        complete.Parameters.Add(new NpgsqlParameter("campaign", NpgsqlDbType.Uuid) { Value = campaign });
        complete.Parameters.Add(new NpgsqlParameter("reason", NpgsqlDbType.Text) { Value = reason });
        await complete.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Writes one personalised log row per customer of the segment, in customer-id order. On a large
    /// customers table several connections write at once, each over its own slice of the table's
    /// pages, all reading the one snapshot exported by the transaction that holds the campaign: the
    /// audience is exactly that of a single statement, written in about half the time on two cores.
    /// The slices commit before the campaign is marked prepared; a prepare that dies in between
    /// leaves rows that the next attempt deletes first. The control group's rows (<paramref name="holdout"/>%) are written
    /// HELD_OUT, by a hash of the campaign's and the customer's ids: the same customers on every attempt.
    /// </summary>
    /// <returns>The rows written, and how many of them are held out.</returns>
    private async Task<(int Written, int HeldOut)> WriteLogAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid campaign, SegmentSql segment, MessageTemplate template, bool smartSending,
        int holdout, Activity? activity, CancellationToken ct)
    {
        async Task<(int, int)> InsertAsync(NpgsqlConnection on, NpgsqlTransaction within, string pages)
        {
            await using var insert = new NpgsqlCommand(
                $"""
                WITH written AS (
                    INSERT INTO communication_logs (campaign_id, customer_id, customer_name, email, phone, personalized_msg, status, created_at)
                    SELECT @campaign, c.id, c.name, c.email, c.phone, {template.SqlExpression("@template_parts")}, {HoldoutSplit.Sql("@campaign", "c.id", "@holdout")}, now()
                    FROM customers c WHERE ({segment.Condition}) AND {AudienceEligibility.Eligible(consentOptions.Value, smartSending)}{pages}
                    ORDER BY c.id
                    ON CONFLICT DO NOTHING
                    RETURNING status
                )
                SELECT count(*)::int, (count(*) FILTER (WHERE status = 'HELD_OUT'))::int FROM written
                """,
                on, within);
            insert.CommandTimeout = 0; // a million rows take longer than the default 30 s on a small machine
            insert.Parameters.AddRange(segment.CloneParameters().ToArray());
            insert.Parameters.Add(new NpgsqlParameter("campaign", NpgsqlDbType.Uuid) { Value = campaign });
            insert.Parameters.Add(new NpgsqlParameter("template_parts", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = template.SqlParts });
            insert.Parameters.Add(new NpgsqlParameter("link_base", NpgsqlDbType.Text) { Value = consentOptions.Value.PublicBaseUrl.TrimEnd('/') });
            insert.Parameters.Add(new NpgsqlParameter("link_key", NpgsqlDbType.Bytea) { Value = System.Text.Encoding.UTF8.GetBytes(consentOptions.Value.LinkSigningKey) });
            insert.Parameters.Add(new NpgsqlParameter("holdout", NpgsqlDbType.Integer) { Value = holdout });
            await using var reader = await insert.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            return (reader.GetInt32(0), reader.GetInt32(1));
        }

        await using (var leftovers = database.CreateCommand("DELETE FROM communication_logs WHERE campaign_id = @campaign"))
        {
            leftovers.Parameters.Add(new NpgsqlParameter("campaign", NpgsqlDbType.Uuid) { Value = campaign });
            await leftovers.ExecuteNonQueryAsync(ct);
        }

        await using var export = new NpgsqlCommand(
            "SELECT pg_export_snapshot(), pg_relation_size('customers') / current_setting('block_size')::bigint", connection, transaction);
        string snapshot;
        long pages;
        await using (var reader = await export.ExecuteReaderAsync(ct))
        {
            await reader.ReadAsync(ct);
            (snapshot, pages) = (reader.GetString(0), reader.GetInt64(1));
        }

        var slices = pages >= options.Value.PrepareSliceMinPages ? Math.Max(1, options.Value.PrepareSlices) : 1;
        activity?.SetTag("minicrm.prepare.slices", slices);
        if (slices == 1)
        {
            return await InsertAsync(connection, transaction, "");
        }

        // Page ranges (TID range scans). Every row version this snapshot sees lies in a page that existed
        // when it was exported, so the page count read after it covers them all; the last slice is open.
        var size = pages / slices + 1;
        var written = await Task.WhenAll(Enumerable.Range(0, slices).Select(async slice =>
        {
            var pagesOfSlice = slice == slices - 1
                ? $" AND c.ctid >= '({slice * size},0)'::tid"
                : $" AND c.ctid >= '({slice * size},0)'::tid AND c.ctid < '({(slice + 1) * size},0)'::tid";
            await using var sliceConnection = await database.OpenConnectionAsync(ct);
            await using var sliceTransaction = await sliceConnection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
            await using (var import = new NpgsqlCommand($"SET TRANSACTION SNAPSHOT '{snapshot}'", sliceConnection, sliceTransaction))
            {
                await import.ExecuteNonQueryAsync(ct);
            }

            var rows = await InsertAsync(sliceConnection, sliceTransaction, pagesOfSlice);
            await sliceTransaction.CommitAsync(ct);
            return rows;
        }));
        return (written.Sum(w => w.Item1), written.Sum(w => w.Item2));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Prepared campaign '{Name}' ({CampaignId}): {Audience} personalised messages in {Seconds:0.0} s.")]
    private partial void LogPrepared(string name, Guid campaignId, int audience, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Campaign '{Name}' ({CampaignId}) cannot be prepared and is completed unsent: {Reason}")]
    private partial void LogUnpreparable(string name, Guid campaignId, string reason);
}
