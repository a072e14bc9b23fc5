using Microsoft.Extensions.Options;
using MiniCrm.VendorSim.Receipts;

namespace MiniCrm.VendorSim.Deliveries;

/// <summary>"Delivers" each batch after the configured latency: each message fails with the configured probability.</summary>
internal sealed class DeliverySimulator(DeliveryQueue deliveries, ReceiptQueue receipts, IOptions<VendorOptions> options, TimeProvider clock) : BackgroundService
{
    private static readonly string[] FailureReasons =
    [
        "Recipient mailbox unavailable",
        "Number not reachable",
        "Rejected by carrier",
        "Message blocked as spam",
    ];

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, Math.Max(1, options.Value.Concurrency)).Select(_ => DeliverAsync(stoppingToken)));

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
            foreach (var delivery in batch.Deliveries)
            {
                var failed = Random.Shared.NextDouble() < settings.FailureRate;
                var receipt = new Receipt(batch.CampaignId, delivery.CustomerId, failed ? "FAILED" : "SENT", at,
                    failed ? FailureReasons[Random.Shared.Next(FailureReasons.Length)] : null);
                outcomes.Add(receipt);
                if (Random.Shared.NextDouble() < settings.DuplicateRate)
                {
                    outcomes.Add(receipt);
                }
            }

            await receipts.EnqueueAsync(new PendingReceipts(outcomes, batch.Deliveries.Count, batch.Trace), stoppingToken);
        }
    }
}
