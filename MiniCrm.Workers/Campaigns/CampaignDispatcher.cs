using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using MiniCrm.Core.Messaging;
using MiniCrm.ServiceDefaults.Kafka;
using Npgsql;
using NpgsqlTypes;
using OpenTelemetry;

namespace MiniCrm.Workers.Campaigns;

/// <summary>
/// Dispatches prepared campaigns: streams pending log rows in customer-id order to
/// campaign-deliveries, a step at a time (a quarter of a second's worth for a rate-limited campaign),
/// recording after Kafka's acknowledgement the last customer handed over (the cursor), so a crash
/// resumes exactly there. A step re-sent after a crash produces duplicate deliveries, which the vendor
/// drops by delivery id. Several Workers can run it: each campaign row is locked (SKIP LOCKED) per step.
/// Only RUNNING campaigns are dispatched: a pause takes effect at the next step, since pausing waits for
/// the row lock of the step in progress.
/// </summary>
public sealed partial class CampaignDispatcher(
    NpgsqlDataSource database, IProducer<string, byte[]> producer, ConsumerLagWatcher lag, IOptions<DispatchOptions> options, ILogger<CampaignDispatcher> logger)
{
    private readonly Dictionary<Guid, DateTime> _nextAllowed = [];

    /// <summary>Where each campaign's dispatch time went, logged when it is done: the figures to tune it by.</summary>
    private readonly Dictionary<Guid, DispatchTimes> _times = [];

    private sealed class DispatchTimes
    {
        public int Steps;
        public double Reading, Handing, Paused;
    }

    /// <summary>Whether the delivery consumers are too far behind for another step.</summary>
    public bool ConsumersBehind => lag.LagOf(KafkaTopics.CampaignDeliveries) > options.Value.MaxPartitionLag;

    /// <summary>Counts a pause (consumers behind, vendor away) against every campaign being dispatched.</summary>
    public void Paused(TimeSpan pause)
    {
        foreach (var times in _times.Values)
        {
            times.Paused += pause.TotalSeconds;
        }
    }

    /// <returns>true when deliveries were handed to Kafka; false when nothing was due.</returns>
    public async Task<bool> DispatchStepAsync(CancellationToken ct)
    {
        // Looking for work is not work: opening the connection and listing campaigns leave no trace.
        NpgsqlConnection connection;
        using (SuppressInstrumentationScope.Begin())
        {
            connection = await database.OpenConnectionAsync(ct);
        }

        await using var _ = connection;
        var campaigns = new List<Guid>();
        using (SuppressInstrumentationScope.Begin())
        await using (var list = new NpgsqlCommand(
            "SELECT id FROM campaigns WHERE dispatched_at IS NULL AND prepared_at IS NOT NULL AND status = 'RUNNING' ORDER BY created_at LIMIT 20", connection))
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
        // Taking the row is still looking: another Workers instance may have it. The step's span starts once it is ours.
        using (SuppressInstrumentationScope.Begin())
        await using (var lockRow = new NpgsqlCommand(
            "SELECT dispatch_cursor, trace_parent, send_rate_per_second FROM campaigns WHERE id = @id AND dispatched_at IS NULL AND status = 'RUNNING' FOR UPDATE SKIP LOCKED", connection, transaction))
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
        var rate = sendRate ?? (options.Value.MaxPerSecondPerCampaign > 0 ? options.Value.MaxPerSecondPerCampaign : (int?)null);
        var step = rate is { } r ? Math.Clamp(r / 4, 1, options.Value.StepSize) : options.Value.StepSize;

        using var activity = CampaignTracing.Source.StartActivity("dispatch campaign", ActivityKind.Internal, CampaignTracing.ParentOf(traceParent));
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

        var messages = DeliveryMessages.Build(campaign, deliveries, options.Value.DeliveriesPerMessage);
        await producer.ProduceBatchAsync(KafkaTopics.CampaignDeliveries, messages).WaitAsync(ct);

        // Until the next measurement, assume the step's messages landed unevenly (on half the partitions).
        lag.Add(KafkaTopics.CampaignDeliveries, messages.Count / 4);

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

    [LoggerMessage(Level = LogLevel.Information, Message = "Campaign {CampaignId}: every delivery is handed to Kafka, in {Steps} steps: {Reading:0.0} s reading the log, {Handing:0.0} s handing to Kafka, {Paused:0.0} s paused while the delivery consumers caught up or the vendor was away.")]
    private partial void LogDispatched(Guid campaignId, int steps, double reading, double handing, double paused);
}
