using MiniCrm.Core.Messaging;
using MiniCrm.Workers.Messaging;

namespace MiniCrm.Workers.Receipts;

public sealed partial class ReceiptBatchHandler(ReceiptApplier applier, ILogger<ReceiptBatchHandler> logger) : IBatchHandler<ReceiptsReceived>
{
    public async Task HandleAsync(IReadOnlyList<Consumed<ReceiptsReceived>> batch, CancellationToken ct)
    {
        var completed = await applier.ApplyAsync(
            [.. batch.SelectMany(b => b.Message.Receipts.Select(r => new DeliveryOutcome(b.Message.CampaignId, r.CustomerId, r.Status, r.DeliveredAt, r.Reason)))], ct);
        foreach (var campaign in completed)
        {
            LogCompleted(campaign);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Campaign {CampaignId} completed: every delivery has a receipt.")]
    private partial void LogCompleted(Guid campaignId);
}
