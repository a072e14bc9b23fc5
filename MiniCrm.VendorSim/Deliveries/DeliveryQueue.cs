using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace MiniCrm.VendorSim.Deliveries;

/// <summary>A batch the vendor accepted, with the trace it arrived in so the receipts continue it.</summary>
public sealed record AcceptedBatch(Guid CampaignId, IReadOnlyList<Recipient> Deliveries, ActivityContext Trace);

/// <summary>Accepted batches waiting for delivery, bounded by the number of deliveries they hold.</summary>
public sealed class DeliveryQueue(IOptions<VendorOptions> options)
{
    private readonly Channel<AcceptedBatch> _channel = Channel.CreateUnbounded<AcceptedBatch>(new UnboundedChannelOptions { SingleReader = false });
    private int _queued;

    public int Queued => Volatile.Read(ref _queued);

    public int Capacity => options.Value.QueueCapacity;

    /// <summary>Queues a batch the caller has checked against <see cref="Capacity"/> (concurrent requests may pass it by a batch or two).</summary>
    public void Enqueue(AcceptedBatch batch)
    {
        Interlocked.Add(ref _queued, batch.Deliveries.Count);
        _channel.Writer.TryWrite(batch); // unbounded: always succeeds
    }

    public async ValueTask<AcceptedBatch> DequeueAsync(CancellationToken ct)
    {
        var batch = await _channel.Reader.ReadAsync(ct);
        Interlocked.Add(ref _queued, -batch.Deliveries.Count);
        return batch;
    }
}
