using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace MiniCrm.VendorSim.Deliveries;

/// <summary>
/// What the vendor did with each delivery id, as a real vendor keeps idempotency keys: a delivery
/// sent again (the CRM re-dispatches what got no receipt) is never messaged twice; if it was already
/// delivered its receipt is sent again, and if it is still on its way the duplicate is dropped.
/// Entries are forgotten after <c>Vendor:IdempotencyHours</c>.
/// </summary>
public sealed class DeliveryLedger(IOptions<VendorOptions> options, TimeProvider clock)
{
    /// <summary>Per delivery id: when it was last touched, and <see cref="OnItsWay"/> or its outcome.</summary>
    private readonly ConcurrentDictionary<Guid, Entry> _entries = new();
    private long _messaged, _dropped, _reported;

    private readonly record struct Entry(long Ticks, short Outcome);

    public const short OnItsWay = -1;
    public const short Sent = 0;

    public long Messaged => Interlocked.Read(ref _messaged);

    public long DuplicatesDropped => Interlocked.Read(ref _dropped);

    public long ReceiptsResent => Interlocked.Read(ref _reported);

    /// <returns>true when the delivery is new and is to be messaged; otherwise its known outcome (or <see cref="OnItsWay"/>).</returns>
    public bool TryBegin(Guid deliveryId, out short outcome) => TryBegin(deliveryId, out outcome, out _);

    /// <returns>
    /// true when the delivery is new and is to be messaged; otherwise its known outcome (or <see cref="OnItsWay"/>) and when
    /// that outcome happened: a receipt sent again says when the message was delivered, not when it was asked for again.
    /// </returns>
    public bool TryBegin(Guid deliveryId, out short outcome, out DateTimeOffset at)
    {
        outcome = OnItsWay;
        at = default;
        if (deliveryId == Guid.Empty || _entries.TryAdd(deliveryId, new Entry(clock.GetUtcNow().UtcTicks, OnItsWay)))
        {
            Interlocked.Increment(ref _messaged);
            return true;
        }

        (outcome, at) = _entries.TryGetValue(deliveryId, out var entry) ? (entry.Outcome, new DateTimeOffset(entry.Ticks, TimeSpan.Zero)) : (OnItsWay, default);
        Interlocked.Increment(ref outcome == OnItsWay ? ref _dropped : ref _reported);
        return false;
    }

    /// <summary><paramref name="outcome"/>: <see cref="Sent"/>, or 1 + the index of the failure reason.</summary>
    public void Record(Guid deliveryId, short outcome)
    {
        if (deliveryId != Guid.Empty)
        {
            _entries[deliveryId] = new Entry(clock.GetUtcNow().UtcTicks, outcome);
        }
    }

    public void Prune()
    {
        var before = clock.GetUtcNow().UtcTicks - TimeSpan.FromHours(options.Value.IdempotencyHours).Ticks;
        foreach (var (id, entry) in _entries)
        {
            if (entry.Ticks < before)
            {
                _entries.TryRemove(id, out _);
            }
        }
    }
}

/// <summary>Forgets delivery ids past the idempotency window, once a minute.</summary>
internal sealed class DeliveryLedgerPruner(DeliveryLedger ledger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(1));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            ledger.Prune();
        }
    }
}
