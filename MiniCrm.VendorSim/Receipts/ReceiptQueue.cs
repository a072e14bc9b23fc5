using System.Diagnostics;
using System.Threading.Channels;

namespace MiniCrm.VendorSim.Receipts;

/// <summary>The receipt as the CRM's /api/receipts takes it.</summary>
public sealed record Receipt(Guid CampaignId, Guid CustomerId, string Status, DateTimeOffset DeliveredAt, string? Reason);

/// <summary>The receipts of one delivered batch (of <paramref name="Deliveries"/> deliveries), with the trace of the request that brought it.</summary>
public sealed record PendingReceipts(IReadOnlyList<Receipt> Receipts, int Deliveries, ActivityContext Trace);

/// <summary>Receipts waiting to be posted; bounded (<c>Vendor:ReceiptQueueCapacity</c>), so a CRM that is down slows delivery instead of filling memory.</summary>
public sealed class ReceiptQueue(Microsoft.Extensions.Options.IOptions<MiniCrm.VendorSim.Extensions.VendorOptions> options)
{
    private readonly Channel<PendingReceipts> _channel = Channel.CreateBounded<PendingReceipts>(new BoundedChannelOptions(options.Value.ReceiptQueueCapacity)
    {
        FullMode = BoundedChannelFullMode.Wait,
    });

    public ValueTask EnqueueAsync(PendingReceipts receipts, CancellationToken ct) => _channel.Writer.WriteAsync(receipts, ct);

    public ChannelReader<PendingReceipts> Reader => _channel.Reader;
}
