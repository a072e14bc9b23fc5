using System.Diagnostics;
using System.Text.Json;
using Confluent.Kafka;
using MiniCrm.Core.Campaigns;
using MiniCrm.Core.Messaging;
using MiniCrm.Core.Segments;
using MiniCrm.ServiceDefaults.Kafka;
using MiniCrm.ServiceDefaults.Operations;
using Npgsql;
using NpgsqlTypes;
using OpenTelemetry;

namespace MiniCrm.Workers.Campaigns;

public sealed class DispatchOptions
{
    /// <summary>Log rows read and handed to Kafka per step (one transaction).</summary>
    public int StepSize { get; set; } = 40_000;

    /// <summary>Deliveries per campaign-deliveries message (one vendor request).</summary>
    public int DeliveriesPerMessage { get; set; } = 500;

    /// <summary>Deliveries per second for a campaign launched without its own rate; 0 for no limit.</summary>
    public int MaxPerSecondPerCampaign { get; set; }

    /// <summary>Pause dispatching while the delivery consumers are this many messages behind on any partition.</summary>
    public long MaxPartitionLag { get; set; } = 60;

    public int PollMilliseconds { get; set; } = 250;

    /// <summary>Connections that write a campaign's log rows side by side (one per core is right).</summary>
    public int PrepareSlices { get; set; } = 2;

    /// <summary>Below this many pages of customers (8 KiB each) one statement writes the log.</summary>
    public long PrepareSliceMinPages { get; set; } = 4_096;
}

/// <summary>
/// The campaign outbox. A launched campaign is a row; this service, in the Workers:
/// <list type="number">
/// <item>prepares it: writes one personalised log row per customer of the segment, in one set-based
/// transaction (INSERT ... SELECT, nothing loaded into memory), and fixes the audience size. The rows
/// are written in customer-id order, the order in which they are dispatched and their receipts
/// arrive, so both walk the table instead of jumping around it (customers that took orders no
/// longer sit in id order in their own table);</item>
/// <item>dispatches it: streams pending rows in customer-id order to campaign-deliveries, a step at a
/// time, recording after Kafka's acknowledgement the last customer handed over (the cursor), so a
/// crash resumes exactly there. A step re-sent after a crash produces duplicate receipts, which change nothing.</item>
/// </list>
/// Several Workers can run it: each campaign row is locked (SKIP LOCKED) by the one working on it.
/// </summary>
public sealed partial class CampaignOutbox(
    NpgsqlDataSource database,
    IProducer<string, byte[]> producer,
    IConfiguration configuration,
    DrainSignal drain,
    MiniCrm.Workers.Deliveries.VendorCircuit vendor,
    ILogger<CampaignOutbox> logger) : BackgroundService, IDrainProgress
{
    /// <summary>1 while a prepare or dispatch step runs: an orderly stop waits for it, so its messages are in Kafka before the lag is read.</summary>
    private int _stepping;

    public IEnumerable<KeyValuePair<string, long>> Remaining() => [new("outboxStepsInFlight", Volatile.Read(ref _stepping))];

    private static readonly ActivitySource ActivitySource = new("MiniCrm");
    private readonly DispatchOptions _options = configuration.GetSection("Dispatch").Get<DispatchOptions>() ?? new();
    private readonly Dictionary<Guid, DateTime> _nextAllowed = [];

    /// <summary>Where each campaign's dispatch time went, logged when it is done: the figures to tune it by.</summary>
    private readonly Dictionary<Guid, DispatchTimes> _times = [];

    private sealed class DispatchTimes
    {
        public int Steps;
        public double Reading, Handing, Paused;
    }

    /// <summary>The delivery consumers' largest partition lag, measured in the background and raised by each step's messages until the next measurement.</summary>
    private long _deliveryLag;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var watching = WatchDeliveryLagAsync(stoppingToken);
        try
        {
            await RunAsync(stoppingToken);
        }
        finally
        {
            try
            {
                await watching;
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <summary>Measuring lag costs a few round trips to the broker; it runs beside the dispatch steps instead of between them.</summary>
    private async Task WatchDeliveryLagAsync(CancellationToken ct)
    {
        using var lag = new KafkaConsumerLag(configuration.GetConnectionString("kafka")!, KafkaTopics.CampaignDeliveries, ConsumerGroups.Deliveries);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                Volatile.Write(ref _deliveryLag, await Task.Run(() => lag.MaxPartitionLag(TimeSpan.FromSeconds(5)), ct));
            }
            catch (Exception ex) when (ex is KafkaException or TimeoutException)
            {
                LogStepFailed(ex);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), ct);
        }
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            if (drain.IsDraining)
            {
                // An orderly stop: nothing new goes out; what is dispatched is drained by the consumers.
                await Task.Delay(_options.PollMilliseconds, stoppingToken);
                continue;
            }

            var worked = false;
            Volatile.Write(ref _stepping, 1);
            try
            {
                worked |= await PrepareNextAsync(stoppingToken);
                if (Volatile.Read(ref _deliveryLag) <= _options.MaxPartitionLag && !vendor.IsOpen)
                {
                    worked |= await DispatchStepAsync(stoppingToken);
                }
                else
                {
                    // The delivery consumers are behind, or the vendor is away: wait, and count the pause.
                    await Task.Delay(50, stoppingToken);
                    foreach (var times in _times.Values)
                    {
                        times.Paused += 0.05;
                    }

                    worked = true;
                }
            }
            catch (Exception ex) when (ex is NpgsqlException or KafkaException or TimeoutException)
            {
                LogStepFailed(ex);
                Volatile.Write(ref _stepping, 0);
                await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken);
            }
            finally
            {
                Volatile.Write(ref _stepping, 0);
            }

            if (!worked)
            {
                await Task.Delay(_options.PollMilliseconds, stoppingToken);
            }
        }
    }

    private async Task<bool> PrepareNextAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);

        Guid id;
        string name, segmentJson, message;
        DateTime createdAt;
        string? traceParent;
        // Looking for work is not work: an idle poll leaves no trace in the dashboard.
        using (SuppressInstrumentationScope.Begin())
        await using (var pick = new NpgsqlCommand(
            "SELECT id, name, segment::text, message, created_at, trace_parent FROM campaigns WHERE prepared_at IS NULL ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED",
            connection, transaction))
        await using (var reader = await pick.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct))
            {
                return false;
            }

            (id, name, segmentJson, message, createdAt, traceParent) =
                (reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetDateTime(4), reader.IsDBNull(5) ? null : reader.GetString(5));
        }

        using var activity = ActivitySource.StartActivity("prepare campaign", ActivityKind.Internal, ParentOf(traceParent));
        activity?.SetTag("minicrm.campaign.id", id);
        var started = Stopwatch.GetTimestamp();

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

        // "Days ago" is measured from the launch, so the audience is the one the marketer previewed.
        var segment = SegmentSql.Compile(group, new DateTimeOffset(createdAt, TimeSpan.Zero));
        var audience = await WriteLogAsync(connection, transaction, id, segment, template, activity, ct);

        // Statistics that predate these rows make the planner expect a handful of them: the dispatch
        // read then sorts the whole campaign on every step (0.5 s instead of 5 ms at a million rows),
        // and receipt updates hash-join the table. ANALYZE samples a fixed number of rows (about
        // 0.2 s), and inside this transaction it counts the new rows.
        if (audience > 0)
        {
            await using var analyze = new NpgsqlCommand("ANALYZE communication_logs", connection, transaction) { CommandTimeout = 0 };
            await analyze.ExecuteNonQueryAsync(ct);
        }

        await using (var update = new NpgsqlCommand(
            """
            UPDATE campaigns SET prepared_at = clock_timestamp(), audience_size = @audience, pending_count = @audience,
                status = CASE WHEN @audience = 0 THEN 'COMPLETED' ELSE status END,
                dispatched_at = CASE WHEN @audience = 0 THEN clock_timestamp() END,
                completed_at = CASE WHEN @audience = 0 THEN clock_timestamp() END,
                summary = CASE WHEN @audience = 0 THEN name || ' reached no customer: none matched the segment when it was prepared.' END
            WHERE id = @campaign
            """,
            connection, transaction))
        {
            update.Parameters.Add(new NpgsqlParameter("campaign", NpgsqlDbType.Uuid) { Value = id });
            update.Parameters.Add(new NpgsqlParameter("audience", NpgsqlDbType.Integer) { Value = audience });
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
                summary = left(name || ' was not sent: its stored segment or message is invalid (' || @reason || ').', 2000)
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
    /// leaves rows that the next attempt deletes first.
    /// </summary>
    private async Task<int> WriteLogAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid campaign, SegmentSql segment, MessageTemplate template, Activity? activity, CancellationToken ct)
    {
        async Task<int> InsertAsync(NpgsqlConnection on, NpgsqlTransaction within, string pages)
        {
            await using var insert = new NpgsqlCommand(
                $"""
                INSERT INTO communication_logs (campaign_id, customer_id, customer_name, email, phone, personalized_msg, status, created_at)
                SELECT @campaign, c.id, c.name, c.email, c.phone, {MessageTemplate.SqlExpression("@template")}, 'PENDING', now()
                FROM customers c WHERE ({segment.Condition}){pages}
                ORDER BY c.id
                ON CONFLICT DO NOTHING
                """,
                on, within);
            insert.CommandTimeout = 0; // a million rows take longer than the default 30 s on a small machine
            insert.Parameters.AddRange(segment.CloneParameters().ToArray());
            insert.Parameters.Add(new NpgsqlParameter("campaign", NpgsqlDbType.Uuid) { Value = campaign });
            insert.Parameters.Add(new NpgsqlParameter("template", NpgsqlDbType.Text) { Value = template.Text });
            return await insert.ExecuteNonQueryAsync(ct);
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

        var slices = pages >= _options.PrepareSliceMinPages ? Math.Max(1, _options.PrepareSlices) : 1;
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
        return written.Sum();
    }

    private async Task<bool> DispatchStepAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var campaigns = new List<Guid>();
        using (SuppressInstrumentationScope.Begin())
        await using (var list = new NpgsqlCommand(
            "SELECT id FROM campaigns WHERE dispatched_at IS NULL AND prepared_at IS NOT NULL ORDER BY created_at LIMIT 20", connection))
        await using (var reader = await list.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                campaigns.Add(reader.GetGuid(0));
            }
        }

        var worked = false;
        foreach (var campaign in campaigns)
        {
            if (_nextAllowed.TryGetValue(campaign, out var next) && next > DateTime.UtcNow)
            {
                continue;
            }

            worked |= await DispatchCampaignStepAsync(connection, campaign, ct);
        }

        return worked;
    }

    private async Task<bool> DispatchCampaignStepAsync(NpgsqlConnection connection, Guid campaign, CancellationToken ct)
    {
        await using var transaction = await connection.BeginTransactionAsync(ct);
        Guid cursor;
        string? traceParent;
        int? sendRate;
        await using (var lockRow = new NpgsqlCommand(
            "SELECT dispatch_cursor, trace_parent, send_rate_per_second FROM campaigns WHERE id = @id AND dispatched_at IS NULL FOR UPDATE SKIP LOCKED", connection, transaction))
        {
            lockRow.Parameters.Add(new NpgsqlParameter("id", NpgsqlDbType.Uuid) { Value = campaign });
            await using var reader = await lockRow.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct))
            {
                return false;
            }

            cursor = reader.IsDBNull(0) ? Guid.Empty : reader.GetGuid(0);
            traceParent = reader.IsDBNull(1) ? null : reader.GetString(1);
            sendRate = reader.IsDBNull(2) ? null : reader.GetInt32(2);
        }

        // A rate-limited campaign takes steps of about a quarter of a second's worth of deliveries.
        var rate = sendRate ?? (_options.MaxPerSecondPerCampaign > 0 ? _options.MaxPerSecondPerCampaign : (int?)null);
        var step = rate is { } r ? Math.Clamp(r / 4, 1, _options.StepSize) : _options.StepSize;

        using var activity = ActivitySource.StartActivity("dispatch campaign", ActivityKind.Internal, ParentOf(traceParent));
        activity?.SetTag("minicrm.campaign.id", campaign);

        var times = _times.TryGetValue(campaign, out var known) ? known : _times[campaign] = new DispatchTimes();
        var clock = Stopwatch.StartNew();
        var deliveries = new List<DeliveryItem>(step);
        await using (var read = new NpgsqlCommand(
            """
            SELECT customer_id, customer_name, email, phone, personalized_msg FROM communication_logs
            WHERE campaign_id = @id AND customer_id > @cursor AND status = 'PENDING'
            ORDER BY customer_id LIMIT @step
            """,
            connection, transaction))
        {
            read.Parameters.Add(new NpgsqlParameter("id", NpgsqlDbType.Uuid) { Value = campaign });
            read.Parameters.Add(new NpgsqlParameter("cursor", NpgsqlDbType.Uuid) { Value = cursor });
            read.Parameters.Add(new NpgsqlParameter("step", NpgsqlDbType.Integer) { Value = step });
            await using var reader = await read.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var customer = reader.GetGuid(0);
                deliveries.Add(new DeliveryItem(DeliveryIds.For(campaign, customer), customer, reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetString(4)));
            }
        }

        times.Reading += clock.Elapsed.TotalSeconds;
        clock.Restart();

        var messages = DeliveryMessages.Build(campaign, deliveries, _options.DeliveriesPerMessage);
        await producer.ProduceBatchAsync(KafkaTopics.CampaignDeliveries, messages).WaitAsync(ct);

        // Until the next measurement, assume the step's messages landed unevenly (on half the partitions).
        Interlocked.Add(ref _deliveryLag, messages.Count / 4);

        var done = deliveries.Count < step;
        await using (var advance = new NpgsqlCommand(
            "UPDATE campaigns SET dispatch_cursor = @cursor, dispatched_at = CASE WHEN @done THEN clock_timestamp() END WHERE id = @id",
            connection, transaction))
        {
            advance.Parameters.Add(new NpgsqlParameter("id", NpgsqlDbType.Uuid) { Value = campaign });
            advance.Parameters.Add(new NpgsqlParameter("cursor", NpgsqlDbType.Uuid) { Value = deliveries.Count > 0 ? deliveries[^1].CustomerId : cursor });
            advance.Parameters.Add(new NpgsqlParameter("done", NpgsqlDbType.Boolean) { Value = done });
            await advance.ExecuteNonQueryAsync(ct);
        }

        await transaction.CommitAsync(ct);
        times.Handing += clock.Elapsed.TotalSeconds;
        times.Steps++;
        activity?.SetTag("minicrm.delivery.count", deliveries.Count);
        if (rate is { } perSecond)
        {
            _nextAllowed[campaign] = DateTime.UtcNow.AddSeconds((double)deliveries.Count / perSecond);
        }

        if (done)
        {
            _nextAllowed.Remove(campaign);
            _times.Remove(campaign);
            LogDispatched(campaign, times.Steps, times.Reading, times.Handing, times.Paused);
        }

        return deliveries.Count > 0;
    }

    private static ActivityContext ParentOf(string? traceParent) =>
        ActivityContext.TryParse(traceParent, null, isRemote: true, out var context) ? context : default;

    [LoggerMessage(Level = LogLevel.Information, Message = "Prepared campaign '{Name}' ({CampaignId}): {Audience} personalised messages in {Seconds:0.0} s.")]
    private partial void LogPrepared(string name, Guid campaignId, int audience, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Campaign {CampaignId}: every delivery is handed to Kafka, in {Steps} steps: {Reading:0.0} s reading the log, {Handing:0.0} s handing to Kafka, {Paused:0.0} s paused while the delivery consumers caught up.")]
    private partial void LogDispatched(Guid campaignId, int steps, double reading, double handing, double paused);

    [LoggerMessage(Level = LogLevel.Error, Message = "Campaign '{Name}' ({CampaignId}) cannot be prepared and is completed unsent: {Reason}")]
    private partial void LogUnpreparable(string name, Guid campaignId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A campaign outbox step failed; retrying.")]
    private partial void LogStepFailed(Exception ex);
}
