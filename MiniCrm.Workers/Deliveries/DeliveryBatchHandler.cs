using System.Diagnostics;
using MiniCrm.Core.Domain;
using MiniCrm.Core.Messaging;
using MiniCrm.ServiceDefaults.Kafka;
using MiniCrm.Workers.Messaging;
using MiniCrm.Workers.Receipts;

namespace MiniCrm.Workers.Deliveries;

/// <summary>
/// Hands delivery batches to the vendor, several at a time. The vendor answers with receipts later;
/// a batch the vendor cannot take even after retries is recorded as FAILED with the reason, which
/// counts towards the campaign like a receipt. Each batch continues its campaign's trace.
/// </summary>
public sealed partial class DeliveryBatchHandler(
    VendorClient vendor, ReceiptApplier outcomes, TimeProvider clock, IConfiguration configuration, ILogger<DeliveryBatchHandler> logger)
    : IBatchHandler<DeliveryRequested>
{
    private readonly int _parallelism = configuration.GetValue("Delivery:MaxConcurrentRequests", 16);

    public async Task HandleAsync(IReadOnlyList<Consumed<DeliveryRequested>> batch, CancellationToken ct)
    {
        var failed = new System.Collections.Concurrent.ConcurrentBag<DeliveryOutcome>();
        await Parallel.ForEachAsync(batch, new ParallelOptions { MaxDegreeOfParallelism = _parallelism, CancellationToken = ct }, async (item, token) =>
        {
            using var activity = KafkaTelemetry.ActivitySource.StartActivity("deliver to vendor", ActivityKind.Internal, item.Producer);
            activity?.SetTag("minicrm.campaign.id", item.Message.CampaignId);
            activity?.SetTag("minicrm.delivery.count", item.Message.Deliveries.Count);
            if (await vendor.SendAsync(item.Message, token) is { } reason)
            {
                activity?.SetStatus(ActivityStatusCode.Error, reason);
                LogUndeliverable(item.Message.Deliveries.Count, item.Message.CampaignId, reason);
                var at = clock.GetUtcNow();
                foreach (var delivery in item.Message.Deliveries)
                {
                    failed.Add(new DeliveryOutcome(item.Message.CampaignId, delivery.CustomerId, DeliveryStatus.Failed, at, reason));
                }
            }
        });

        await outcomes.ApplyAsync([.. failed], ct);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} deliveries of campaign {CampaignId} are FAILED: {Reason}")]
    private partial void LogUndeliverable(int count, Guid campaignId, string reason);
}
