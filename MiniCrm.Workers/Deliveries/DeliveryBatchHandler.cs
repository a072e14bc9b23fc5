using System.Diagnostics;
using MiniCrm.Core.Domain;
using MiniCrm.Core.Messaging;
using MiniCrm.ServiceDefaults.Kafka;
using MiniCrm.Workers.Messaging;
using MiniCrm.Workers.Receipts;

namespace MiniCrm.Workers.Deliveries;

/// <summary>
/// Hands delivery batches to the vendor, several at a time. The vendor answers with receipts later.
/// A batch the vendor refuses for its content is FAILED with the reason, which counts towards the
/// campaign like a receipt. A vendor that is away fails nothing: the batch stays PENDING, the
/// circuit opens, and the reconciler dispatches it again once the vendor is back. Each batch
/// continues its campaign's trace.
/// </summary>
public sealed partial class DeliveryBatchHandler(
    VendorClient vendor, VendorCircuit circuit, ReceiptApplier outcomes, TimeProvider clock, Microsoft.Extensions.Options.IOptions<DeliveryOptions> options, ILogger<DeliveryBatchHandler> logger)
    : IBatchHandler<DeliveryRequested>
{
    private readonly int _parallelism = options.Value.MaxConcurrentRequests;

    public async Task HandleAsync(IReadOnlyList<Consumed<DeliveryRequested>> batch, CancellationToken ct)
    {
        var failed = new System.Collections.Concurrent.ConcurrentBag<DeliveryOutcome>();
        await Parallel.ForEachAsync(batch, new ParallelOptions { MaxDegreeOfParallelism = _parallelism, CancellationToken = ct }, async (item, token) =>
        {
            using var activity = KafkaTelemetry.ActivitySource.StartActivity("deliver to vendor", ActivityKind.Internal, item.Producer);
            activity?.SetTag("minicrm.campaign.id", item.Message.CampaignId);
            activity?.SetTag("minicrm.delivery.count", item.Message.Deliveries.Count);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} deliveries of campaign {CampaignId} are FAILED: {Reason}")]
    private partial void LogRefused(int count, Guid campaignId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} deliveries of campaign {CampaignId} wait for the vendor; they stay PENDING and are dispatched again.")]
    private partial void LogDeferred(int count, Guid campaignId);
}
