using System.Collections.Concurrent;
using System.Diagnostics;
using MiniCrm.Ingest.Generation;

namespace MiniCrm.Ingest.Submission;

/// <summary>Counters of a run, readable while it goes on.</summary>
public sealed class IngestProgress
{
    private long _customersAccepted, _customersRejected, _ordersAccepted, _ordersRejected, _throttled;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public string Kind { get; init; } = "seed";
    public long CustomersTarget { get; init; }
    public long OrdersTarget { get; init; }
    public long CustomersAccepted => Interlocked.Read(ref _customersAccepted);
    public long CustomersRejected => Interlocked.Read(ref _customersRejected);
    public long OrdersAccepted => Interlocked.Read(ref _ordersAccepted);
    public long OrdersRejected => Interlocked.Read(ref _ordersRejected);
    /// <summary>How often the CRM answered "busy, retry after" (its backpressure at work).</summary>
    public long Throttled => Interlocked.Read(ref _throttled);
    public double ElapsedSeconds => _clock.Elapsed.TotalSeconds;
    public double CustomersPerSecond => CustomersAccepted / Math.Max(ElapsedSeconds, 0.001);
    public double OrdersPerSecond => OrdersAccepted / Math.Max(ElapsedSeconds, 0.001);
    public ConcurrentQueue<string> SampleRejections { get; } = new();
    public bool Finished { get; set; }
    public string? Error { get; set; }

    internal void AddCustomers(int accepted, int rejected) { Interlocked.Add(ref _customersAccepted, accepted); Interlocked.Add(ref _customersRejected, rejected); }
    internal void AddOrders(int accepted, int rejected) { Interlocked.Add(ref _ordersAccepted, accepted); Interlocked.Add(ref _ordersRejected, rejected); }
    internal void AddThrottled() => Interlocked.Increment(ref _throttled);
    internal void Stop() => _clock.Stop();
}

/// <summary>Seeds or streams generated customers and orders through the CRM's ingestion API.</summary>
public sealed class IngestRunner(CrmIngestionClient crm, Microsoft.Extensions.Options.IOptions<IngestOptions> options)
{
    // 2,000 items a request ingest as fast as 5,000 here, and the Api's peak memory is a third lower
    // (measured 295 MB against 445 MB after 500,000 customers and 300,000 orders): large bodies
    // leave large pooled buffers behind.
    private readonly int _batchSize = options.Value.BatchSize;
    private readonly int _concurrency = options.Value.Concurrency;
    private static readonly TimeSpan CustomerWait = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Submits the customers, then orders for them (by email); with no new customers, orders go to
    /// up to 100,000 stored ones (by id, read with the ingestion key). An order whose customer is still on
    /// its way through the pipeline is rejected as unknown; it is submitted again until the customer
    /// arrives (for up to two minutes).
    /// </summary>
    public async Task SeedAsync(long customers, long orders, IngestProgress progress, CancellationToken ct, bool placedNow = false)
    {
        var fakers = new CrmFakers();
        var emails = new ConcurrentBag<string>();

        await ForEachBatchAsync(customers, async size =>
        {
            var batch = Enumerable.Range(0, size).Select(_ => fakers.NextCustomer()).ToList();
            var result = await crm.SubmitCustomersAsync(batch, progress.AddThrottled, ct);
            var rejected = result.Rejected.Select(r => r.Index).ToHashSet();
            for (var i = 0; i < batch.Count; i++)
            {
                if (!rejected.Contains(i))
                {
                    emails.Add(batch[i].Email);
                }
            }

            Record(progress, result, isCustomer: true);
        }, ct);

        if (orders == 0)
        {
            return;
        }

        // Orders for this run's customers (by email), or, with none, for up to 100,000 stored ones (by id).
        var known = emails.ToArray();
        // Orders placed now (a benchmark's shoppers) go to up to a million of them, so a large campaign's customers buy.
        var stored = known.Length > 0 || customers > 0 ? [] : await crm.GetCustomerIdsAsync(placedNow ? 1_000_000 : 100_000, ct);
        if (known.Length == 0 && stored.Count == 0)
        {
            progress.SampleRejections.Enqueue(customers > 0 ? "no customer was accepted, so no order was sent" : "there are no customers to give orders to: seed some first");
            progress.AddOrders(0, (int)Math.Min(orders, int.MaxValue));
            return;
        }

        await ForEachBatchAsync(orders, async size =>
        {
            var pending = Enumerable.Range(0, size)
                .Select(_ => known.Length > 0 ? fakers.NextOrder(known[Random.Shared.Next(known.Length)])
                    : placedNow ? fakers.OrderNow(stored[Random.Shared.Next(stored.Count)]) : fakers.NextOrder(stored[Random.Shared.Next(stored.Count)]))
                .ToList();
            var deadline = DateTime.UtcNow + CustomerWait;
            while (pending.Count > 0)
            {
                var result = await crm.SubmitOrdersAsync(pending, progress.AddThrottled, ct);
                var waiting = result.Rejected.Where(r => r.Field == "customerEmail").Select(r => r.Index).ToHashSet();
                progress.AddOrders(result.Accepted, result.Rejected.Count - waiting.Count);
                foreach (var r in result.Rejected.Where(r => !waiting.Contains(r.Index)).Take(3))
                {
                    progress.SampleRejections.Enqueue($"order {r.Index}: {r.Field}: {r.Message}");
                }

                pending = [.. waiting.Select(i => pending[i])];
                if (pending.Count > 0)
                {
                    if (DateTime.UtcNow > deadline)
                    {
                        progress.AddOrders(0, pending.Count);
                        progress.SampleRejections.Enqueue($"{pending.Count} orders: their customers did not arrive within {CustomerWait.TotalMinutes} minutes");
                        break;
                    }

                    await Task.Delay(TimeSpan.FromSeconds(1), ct);
                }
            }
        }, ct);
    }

    /// <summary>Of a stream's orders, one in this many is a background order: placed now, by any stored customer.</summary>
    public const int BackgroundShare = 5;

    /// <summary>
    /// A steady flow: each second, <paramref name="perSecond"/> items, one in four a new customer, the rest orders: one in
    /// <see cref="BackgroundShare"/> of them placed now by a customer picked at random from everyone stored (up to
    /// 100,000, read again every minute), so held-out customers buy at a background rate too and a campaign's control group
    /// has a baseline; the others by the stream's own new customers, dated over the past year like the seed's.
    /// </summary>
    public async Task StreamAsync(int perSecond, IngestProgress progress, CancellationToken ct)
    {
        var fakers = new CrmFakers();
        var emails = new List<string>();
        var everyone = new List<Guid>();
        var readAt = DateTime.MinValue;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        while (await timer.WaitForNextTickAsync(ct))
        {
            if (DateTime.UtcNow - readAt > TimeSpan.FromMinutes(1))
            {
                everyone = await crm.GetCustomerIdsAsync(100_000, ct);
                readAt = DateTime.UtcNow;
            }

            var newCustomers = Math.Max(1, perSecond / 4);
            var ordersNow = Math.Max(0, perSecond - newCustomers);
            var background = everyone.Count == 0 ? 0 : (ordersNow + BackgroundShare - 1) / BackgroundShare;
            if (background > 0)
            {
                var placed = Enumerable.Range(0, background).Select(_ => fakers.OrderNow(everyone[Random.Shared.Next(everyone.Count)])).ToList();
                Record(progress, await crm.SubmitOrdersAsync(placed, progress.AddThrottled, ct), isCustomer: false);
            }

            var customers = Enumerable.Range(0, newCustomers).Select(_ => fakers.NextCustomer()).ToList();
            var result = await crm.SubmitCustomersAsync(customers, progress.AddThrottled, ct);
            Record(progress, result, isCustomer: true);
            var rejected = result.Rejected.Select(r => r.Index).ToHashSet();
            emails.AddRange(customers.Where((_, i) => !rejected.Contains(i)).Select(c => c.Email));

            // Orders go to customers submitted at least a second ago, who have had time to arrive.
            var ready = emails.Count - customers.Count + rejected.Count;
            if (ready > 0)
            {
                var orders = Enumerable.Range(0, ordersNow - background).Select(_ => fakers.NextOrder(emails[Random.Shared.Next(ready)])).ToList();
                if (orders.Count > 0)
                {
                    Record(progress, await crm.SubmitOrdersAsync(orders, progress.AddThrottled, ct), isCustomer: false);
                }
            }
        }
    }

    private static void Record(IngestProgress progress, SubmitResult result, bool isCustomer)
    {
        var rejectedItems = result.Rejected.Select(r => r.Index).Distinct().Count();
        if (isCustomer)
        {
            progress.AddCustomers(result.Accepted, rejectedItems);
        }
        else
        {
            progress.AddOrders(result.Accepted, rejectedItems);
        }

        foreach (var r in result.Rejected.Take(3))
        {
            if (progress.SampleRejections.Count < 20)
            {
                progress.SampleRejections.Enqueue($"{(isCustomer ? "customer" : "order")} {r.Index}: {r.Field}: {r.Message}");
            }
        }
    }

    private async Task ForEachBatchAsync(long total, Func<int, Task> submit, CancellationToken ct)
    {
        var batches = Enumerable.Range(0, (int)((total + _batchSize - 1) / _batchSize))
            .Select(i => (int)Math.Min(_batchSize, total - (long)i * _batchSize));
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = _concurrency, CancellationToken = ct },
            async (size, _) => await submit(size));
    }
}
