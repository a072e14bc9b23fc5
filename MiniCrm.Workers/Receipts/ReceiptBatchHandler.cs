using MiniCrm.Core.Messaging;
using MiniCrm.Workers.Messaging;

namespace MiniCrm.Workers.Receipts;

public sealed partial class ReceiptBatchHandler(ReceiptApplier applier, ILogger<ReceiptBatchHandler> logger) : IBatchHandler<ReceiptReceived>
{
    public async Task HandleAsync(IReadOnlyList<Consumed<ReceiptReceived>> batch, CancellationToken ct)
    {
        var messages = batch.Select(b => b.Message);
        var completed = await applier.ApplyAsync(
            [.. messages.Select(r => new DeliveryOutcome(r.CampaignId, r.CustomerId, r.Status, r.DeliveredAt, r.Reason))], ct);
        foreach (var campaign in completed)
        {
            LogCompleted(campaign);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Campaign {CampaignId} completed: every delivery has a receipt.")]
    private partial void LogCompleted(Guid campaignId);
}
