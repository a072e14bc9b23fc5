using Microsoft.Extensions.Options;
using MiniCrm.VendorSim.Receipts;
using MiniCrm.VendorSim.Shop;

namespace MiniCrm.VendorSim.Deliveries;

/// <summary>"Delivers" each batch after the configured latency: each message fails with the configured probability.</summary>
internal sealed class DeliverySimulator(
    DeliveryQueue deliveries, ReceiptQueue receipts, DeliveryLedger ledger, VendorBacklog backlog, Shoppers shoppers, IOptions<VendorOptions> options, TimeProvider clock)
    : BackgroundService
{
    internal static readonly string[] FailureReasons =
    [
        "Recipient mailbox unavailable",
        "Number not reachable",
        "Rejected by carrier",
        "Message blocked as spam",
    ];

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, Math.Max(1, options.Value.Concurrency)).Select(_ => DeliverAsync(stoppingToken)));

    /// <summary>The receipt of a delivery whose outcome is <paramref name="outcome"/> (see <see cref="DeliveryLedger.Record"/>).</summary>
    internal static Receipt ReceiptFor(Guid campaignId, Recipient delivery, short outcome, DateTimeOffset at) =>
        outcome == DeliveryLedger.Sent
            ? new Receipt(campaignId, delivery.CustomerId, "SENT", at, null)
            : new Receipt(campaignId, delivery.CustomerId, "FAILED", at, FailureReasons[(outcome - 1) % FailureReasons.Length]);

    private async Task DeliverAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var batch = await deliveries.DequeueAsync(stoppingToken);
            var settings = options.Value;
            if (settings.LatencyMilliseconds > 0)
            {
                await Task.Delay(settings.LatencyMilliseconds, stoppingToken);
            }

            var at = clock.GetUtcNow();
            var outcomes = new List<Receipt>(batch.Deliveries.Count);
            var lost = 0;
            foreach (var delivery in batch.Deliveries)
            {
                var outcome = Random.Shared.NextDouble() < settings.FailureRate ? (short)(1 + Random.Shared.Next(FailureReasons.Length)) : DeliveryLedger.Sent;
                ledger.Record(delivery.DeliveryId, outcome);
                if (outcome == DeliveryLedger.Sent)
                {
                    shoppers.Delivered(batch.CampaignId, delivery.CustomerId);
                }

                if (Random.Shared.NextDouble() < settings.ReceiptLossRate)
                {
                    lost++; // delivered, but its receipt never reaches the CRM (the CRM's reconciler asks again)
                    continue;
                }

                var receipt = ReceiptFor(batch.CampaignId, delivery, outcome, at);
                outcomes.Add(receipt);
                if (Random.Shared.NextDouble() < settings.DuplicateRate)
                {
                    outcomes.Add(receipt);
                }
            }

            backlog.Reported(lost);
            await receipts.EnqueueAsync(new PendingReceipts(outcomes, batch.Deliveries.Count - lost, batch.Trace), stoppingToken);
        }
    }
}
