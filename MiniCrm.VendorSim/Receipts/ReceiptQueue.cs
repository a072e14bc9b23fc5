using System.Diagnostics;
using System.Threading.Channels;

namespace MiniCrm.VendorSim.Receipts;

/// <summary>The receipt as the CRM's /api/receipts takes it.</summary>
public sealed record Receipt(Guid CampaignId, Guid CustomerId, string Status, DateTimeOffset DeliveredAt, string? Reason);

public sealed record PendingReceipt(Receipt Receipt, ActivityContext Trace);

/// <summary>Receipts waiting to be posted; bounded, so a CRM that is down slows delivery instead of filling memory.</summary>
public sealed class ReceiptQueue
{
    private readonly Channel<PendingReceipt> _channel = Channel.CreateBounded<PendingReceipt>(new BoundedChannelOptions(100_000)
    {
        FullMode = BoundedChannelFullMode.Wait,
    });

    public ValueTask EnqueueAsync(PendingReceipt receipt, CancellationToken ct) => _channel.Writer.WriteAsync(receipt, ct);

    public ChannelReader<PendingReceipt> Reader => _channel.Reader;
}
