using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace MiniCrm.VendorSim.Shop;

/// <summary>A purchase a messaged customer will make at <see cref="At"/>.</summary>
public sealed record PlannedPurchase(Guid CampaignId, Guid CustomerId, DateTimeOffset At, decimal Amount);

/// <summary>
/// Who buys because of a message. Exactly <see cref="ShopOptions.BuyRate"/> of each campaign's delivered messages lead to a
/// purchase (every k-th delivery by a running count, not a coin toss per message), so a campaign's true uplift is known
/// to within one customer: the test of its measured lift has no luck in it. Purchases wait here until due (in memory:
/// a simulator's shoppers forget their plans when it restarts).
/// </summary>
public sealed class Shoppers(IOptionsMonitor<ShopOptions> options, TimeProvider clock)
{
    private readonly ConcurrentDictionary<Guid, long> _delivered = new();
    private readonly PriorityQueue<PlannedPurchase, DateTimeOffset> _planned = new();
    private readonly Lock _gate = new();
    private double? _rate;
    private int? _maxDelay;

    public double BuyRate => _rate ?? options.CurrentValue.BuyRate;

    public int MaxDelaySeconds => _maxDelay ?? options.CurrentValue.MaxDelaySeconds;

    public bool Enabled => BuyRate > 0 && options.CurrentValue.IngestApiKey.Length > 0;

    public int Waiting
    {
        get
        {
            lock (_gate)
            {
                return _planned.Count;
            }
        }
    }

    /// <summary>Sets the rate and delay while running (the tests' and a demo's switch).</summary>
    public void Configure(double buyRate, int maxDelaySeconds) => (_rate, _maxDelay) = (buyRate, maxDelaySeconds);

    /// <summary>A message was delivered: plans a purchase when this delivery's turn in the campaign's count comes.</summary>
    public void Delivered(Guid campaignId, Guid customerId)
    {
        if (!Enabled)
        {
            return;
        }

        var rate = BuyRate;
        var n = _delivered.AddOrUpdate(campaignId, 1, (_, count) => count + 1);
        if (Math.Floor(n * rate) <= Math.Floor((n - 1) * rate))
        {
            return;
        }

        var at = clock.GetUtcNow().AddSeconds(1 + Random.Shared.NextDouble() * Math.Max(0, MaxDelaySeconds - 1));
        var amount = Math.Round(200 + (decimal)Random.Shared.NextDouble() * 1800, 2);
        lock (_gate)
        {
            _planned.Enqueue(new PlannedPurchase(campaignId, customerId, at, amount), at);
        }
    }

    /// <summary>The purchases due now (up to <paramref name="max"/>), taken from the plan.</summary>
    public List<PlannedPurchase> TakeDue(int max)
    {
        var now = clock.GetUtcNow();
        var due = new List<PlannedPurchase>();
        lock (_gate)
        {
            while (due.Count < max && _planned.TryPeek(out var next, out var at) && at <= now)
            {
                _planned.Dequeue();
                due.Add(next);
            }
        }

        return due;
    }

    /// <summary>Puts back purchases the CRM did not take yet (it was busy or away): they go again.</summary>
    public void PutBack(IEnumerable<PlannedPurchase> purchases)
    {
        lock (_gate)
        {
            foreach (var purchase in purchases)
            {
                _planned.Enqueue(purchase, purchase.At);
            }
        }
    }
}
