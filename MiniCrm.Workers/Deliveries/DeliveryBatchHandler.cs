using System.Diagnostics;
using MiniCrm.Core.Domain;
using MiniCrm.Core.Messaging;
using MiniCrm.ServiceDefaults.Kafka;
using MiniCrm.Workers.Messaging;
using MiniCrm.Workers.Receipts;
using Npgsql;

namespace MiniCrm.Workers.Deliveries;

/// <summary>
/// Hands delivery batches to the vendor, several at a time. The vendor answers with receipts later.
/// A batch the vendor refuses for its content is FAILED with the reason, which counts towards the
/// campaign like a receipt. A vendor that is away fails nothing: the batch stays PENDING, the
/// circuit opens, and the reconciler dispatches it again once the vendor is back. Each batch
/// continues its campaign's trace. Deliveries of a campaign that is paused or cancelled are held back:
/// they stay PENDING (resume dispatches them again) or CANCELLED.
/// </summary>
public sealed partial class DeliveryBatchHandler(
    VendorClient vendor, VendorCircuit circuit, ReceiptApplier outcomes, NpgsqlDataSource database, TimeProvider clock,
    Microsoft.Extensions.Options.IOptions<DeliveryOptions> options, ILogger<DeliveryBatchHandler> logger)
    : IBatchHandler<DeliveryRequested>
{
    private readonly int _parallelism = options.Value.MaxConcurrentRequests;

    public async Task HandleAsync(IReadOnlyList<Consumed<DeliveryRequested>> batch, CancellationToken ct)
    {
        var held = await HeldAsync([.. batch.Select(b => b.Message.CampaignId).Distinct()], ct);
        var failed = new System.Collections.Concurrent.ConcurrentBag<DeliveryOutcome>();
        await Parallel.ForEachAsync(batch, new ParallelOptions { MaxDegreeOfParallelism = _parallelism, CancellationToken = ct }, async (item, token) =>
        {
            using var activity = KafkaTelemetry.ActivitySource.StartActivity("deliver to vendor", ActivityKind.Internal, item.Producer);
            activity?.SetTag("minicrm.campaign.id", item.Message.CampaignId);
            activity?.SetTag("minicrm.delivery.count", item.Message.Deliveries.Count);
            if (held.TryGetValue(item.Message.CampaignId, out var status))
            {
                activity?.SetTag("minicrm.delivery.held", status);
                LogHeld(item.Message.Deliveries.Count, item.Message.CampaignId, status);
                return;
            }

            if (circuit.IsOpen)
            {
                activity?.SetTag("minicrm.delivery.deferred", true);
                LogDeferred(item.Message.Deliveries.Count, item.Message.CampaignId);
                return;
            }

            var answer = await vendor.SendAsync(item.Message, token);
            switch (answer.Verdict)
            {
                case VendorVerdict.Accepted:
                    circuit.Succeeded();
                    break;
                case VendorVerdict.Unavailable:
                    activity?.SetStatus(ActivityStatusCode.Error, answer.Reason);
                    circuit.Failed(answer.Reason!);
                    LogDeferred(item.Message.Deliveries.Count, item.Message.CampaignId);
                    break;
                case VendorVerdict.Refused:
                    activity?.SetStatus(ActivityStatusCode.Error, answer.Reason);
                    LogRefused(item.Message.Deliveries.Count, item.Message.CampaignId, answer.Reason!);
                    var at = clock.GetUtcNow();
                    foreach (var delivery in item.Message.Deliveries)
                    {
                        failed.Add(new DeliveryOutcome(item.Message.CampaignId, delivery.CustomerId, DeliveryStatus.Failed, at, answer.Reason));
                    }

                    break;
            }
        });

        await outcomes.ApplyAsync([.. failed], ct);
    }

    /// <summary>The batch's campaigns that must not be sent now, with their status.</summary>
    private async Task<Dictionary<Guid, string>> HeldAsync(Guid[] campaigns, CancellationToken ct)
    {
        var held = new Dictionary<Guid, string>();
        await using var find = database.CreateCommand("SELECT id, status FROM campaigns WHERE id = ANY(@ids) AND status IN ('PAUSED', 'CANCELLED')");
        find.Parameters.Add(new NpgsqlParameter<Guid[]>("ids", campaigns));
        await using var reader = await find.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            held[reader.GetGuid(0)] = reader.GetString(1);
        }

        return held;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} deliveries of campaign {CampaignId} are held back: the campaign is {Status}.")]
    private partial void LogHeld(int count, Guid campaignId, string status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} deliveries of campaign {CampaignId} are FAILED: {Reason}")]
    private partial void LogRefused(int count, Guid campaignId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} deliveries of campaign {CampaignId} wait for the vendor; they stay PENDING and are dispatched again.")]
    private partial void LogDeferred(int count, Guid campaignId);
}
