using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.Testing;
using MiniCrm.Core.Domain;
using MiniCrm.Core.Messaging;
using MiniCrm.Tests.Infrastructure;
using Xunit.Abstractions;
using MiniCrm.ServiceDefaults.Kafka;

namespace MiniCrm.Tests.Pipeline;

/// <summary>
/// Orders have a lifecycle, and a customer's aggregates are a function of their orders as they are now, whatever
/// order the versions arrive in, however often. One random order set (its seed printed) is sent for 1,000 customers,
/// each time shuffled, with repeats, and followed by replays of old versions straight onto the bus.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class OrderLifecycleTests(AppHostFixture fixture, ITestOutputHelper output)
{
    private const int Shuffles = 1_000;

    /// <summary>One version of one order of the set: its stage decides first, then its updatedAt.</summary>
    private sealed record Version(int Order, OrderStatus Status, decimal Amount, DateTimeOffset OrderDate, DateTimeOffset UpdatedAt, (string Name, int Quantity, decimal UnitPrice)[] Items);

    [Fact]
    public async Task One_order_set_shuffled_repeated_and_replayed_a_thousand_times_gives_the_aggregates_sql_computes()
    {
        var seed = Environment.GetEnvironmentVariable("MINICRM_ORDERS_SEED") is { } s ? int.Parse(s, CultureInfo.InvariantCulture) : Random.Shared.Next();
        output.WriteLine($"order set seed {seed} (repeat with MINICRM_ORDERS_SEED={seed})");
        var random = new Random(seed);
        var set = OrderSet(random);
        var tag = "lc" + Guid.NewGuid().ToString("N")[..8];

        // The customers, one per shuffle.
        using var ingest = fixture.IngestingApi();
        var customers = await SubmitAsync<Guid>(ingest, "/api/customers",
            [.. Enumerable.Range(0, Shuffles).Select(k => (object)new { name = $"Lifecycle {k}", email = $"{tag}.{k}@minicrm.test", city = tag })]);
        await AppHostFixture.EventuallyAsync(async () => await fixture.ScalarAsync<long>($"SELECT count(*) FROM customers WHERE city = '{tag}'") == Shuffles,
            TimeSpan.FromMinutes(2), $"{Shuffles} customers of {tag}");

        // Each customer's sequence: every version, some of them twice, shuffled.
        var sequences = Enumerable.Range(0, Shuffles).Select(_ =>
        {
            var sequence = set.Concat(set.Where(_ => random.NextDouble() < 0.3)).ToList();
            random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(sequence));
            return sequence;
        }).ToList();

        // Request r carries the r-th version of every customer's sequence: one order id appears once per request.
        for (var r = 0; r < sequences.Max(q => q.Count); r++)
        {
            var round = Enumerable.Range(0, Shuffles).Where(k => sequences[k].Count > r)
                .Select(k => (object)Body(sequences[k][r], OrderId(tag, k, sequences[k][r].Order), customers[k])).ToList();
            await SubmitAsync<string>(ingest, "/api/orders", round);
        }

        // A late copy of the oldest version of each order, straight onto the bus (a redelivery, a producer retry).
        await using (var producer = new KafkaTestProducer(await fixture.App.GetConnectionStringAsync("kafka") ?? ""))
        {
            foreach (var k in Enumerable.Range(0, Shuffles).Where(k => k % 5 == 0))
            {
                foreach (var oldest in set.GroupBy(v => v.Order).Select(g => g.MinBy(v => (OrderLifecycle.StageOf(v.Status), v.UpdatedAt))!))
                {
                    await producer.ProduceJsonAsync(KafkaTopics.Orders, customers[k].ToString(), new OrderSubmitted(OrderId(tag, k, oldest.Order), customers[k],
                        oldest.Amount, oldest.Status, oldest.OrderDate, [.. oldest.Items.Select(i => new OrderLineSubmitted(i.Name, i.Quantity, i.UnitPrice))],
                        oldest.UpdatedAt, Guid.CreateVersion7()));
                }
            }
        }

        await fixture.WaitUntilQuietAsync(TimeSpan.FromMinutes(3));

        // What the set comes to: each order's latest version, and the aggregates defined from them.
        var final = set.GroupBy(v => v.Order).Select(g => g.MaxBy(v => (OrderLifecycle.StageOf(v.Status), v.UpdatedAt))!).ToList();
        var spend = final.Where(v => v.Status == OrderStatus.Completed).Sum(v => v.Amount);
        var visits = final.Count(v => v.Status is OrderStatus.Completed or OrderStatus.Refunded);
        var last = final.Where(v => v.Status is OrderStatus.Completed or OrderStatus.Refunded).Select(v => (DateTimeOffset?)v.OrderDate).Max();
        output.WriteLine($"{set.Count} versions of {final.Count} orders → spend {spend}, visits {visits}, last order {last:O}");
        Assert.True(spend > 0 && visits > 0, "the set completed nothing: the test would prove little");

        // Every customer holds exactly that, and exactly what SQL computes from the stored orders.
        var differing = await fixture.ScalarAsync<long>($"""
            {DifferingFromOrders($"c.city = '{tag}'")}
               OR c.total_spend <> {spend.ToString(CultureInfo.InvariantCulture)} OR c.visits <> {visits}
               OR c.last_order_date IS DISTINCT FROM {(last is { } l ? $"'{l.UtcDateTime:O}'::timestamptz" : "NULL")}
            """);
        Assert.True(differing == 0, $"{differing} customers differ; one of them: " + await fixture.ScalarAsync<string>($"""
            SELECT format('stored %s / %s / %s; orders: %s', c.total_spend, c.visits, c.last_order_date,
                          (SELECT string_agg(format('%s %s %s %s', o.id, o.status, o.amount, o.order_date), '; ') FROM orders o WHERE o.customer_id = c.id))
            FROM customers c WHERE c.city = '{tag}' LIMIT 1
            """));

        // Every order is its latest version, with that version's items and nothing of an older one.
        foreach (var version in final)
        {
            var pattern = $"{tag}-%-{version.Order}";
            Assert.Equal((long)Shuffles, await fixture.ScalarAsync<long>(
                $"SELECT count(*) FROM orders WHERE id LIKE '{pattern}' AND status = '{version.Status.ToString().ToUpperInvariant()}' AND amount = {version.Amount.ToString(CultureInfo.InvariantCulture)}"));
            Assert.Equal((long)Shuffles * version.Items.Length, await fixture.ScalarAsync<long>(
                $"SELECT count(*) FROM order_items i JOIN orders o ON o.id = i.order_id WHERE o.id LIKE '{pattern}' AND i.name LIKE '{version.Status}%'"));
            Assert.Equal((long)Shuffles * version.Items.Length, await fixture.ScalarAsync<long>(
                $"SELECT count(*) FROM order_items i WHERE i.order_id LIKE '{pattern}'"));
        }
    }

    [Fact]
    public async Task An_order_cannot_move_to_another_customer()
    {
        var city = await TestCustomers.InNewCityAsync(fixture, "Owner", 2);
        using var ingest = fixture.IngestingApi();
        var orderId = "owner-" + Guid.NewGuid().ToString("N");
        var first = new { orderId, customerEmail = $"{city}.0@minicrm.test", amount = 10, status = "PENDING", items = new[] { new { name = "Tea", quantity = 1, unitPrice = 10 } } };
        Assert.Equal(HttpStatusCode.Accepted, (await ingest.PostAsJsonAsync("/api/orders", first)).StatusCode);
        await AppHostFixture.EventuallyAsync(async () => await fixture.ScalarAsync<long>($"SELECT count(*) FROM orders WHERE id = '{orderId}'") == 1,
            TimeSpan.FromSeconds(30), "the order stored");

        using var moved = await ingest.PostAsJsonAsync("/api/orders", first with { customerEmail = $"{city}.1@minicrm.test", status = "COMPLETED" });
        Assert.Equal(HttpStatusCode.BadRequest, moved.StatusCode);
        var problem = await moved.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("another customer", problem.GetProperty("errors").GetProperty("[0].customerEmail")[0].GetString());
        Assert.Equal("PENDING", await fixture.ScalarAsync<string>($"SELECT status FROM orders WHERE id = '{orderId}'"));
    }

    [Fact]
    public async Task A_version_stored_by_another_consumer_while_a_batch_ran_is_not_counted_twice()
    {
        // Another consumer (the partition's previous owner, during a rebalance) stores an order's first version and has
        // not committed yet; this batch, carrying a later version, reads no stored version and then waits on that insert.
        var city = await TestCustomers.InNewCityAsync(fixture, "Race", 1);
        var customer = await fixture.ScalarAsync<Guid>($"SELECT id FROM customers WHERE city = '{city}'");
        var orderId = "race-" + Guid.NewGuid().ToString("N");
        await using var other = new Npgsql.NpgsqlConnection(fixture.DatabaseConnectionString);
        await other.OpenAsync();
        await using var otherTransaction = await other.BeginTransactionAsync();
        await using (var first = new Npgsql.NpgsqlCommand($"""
            INSERT INTO orders (id, customer_id, order_date, amount, status, created_at, updated_at, submission_id)
            VALUES ('{orderId}', '{customer}', now() - interval '1 day', 100, 'COMPLETED', now(), now() - interval '1 hour', gen_random_uuid());
            UPDATE customers SET total_spend = total_spend + 100, visits = visits + 1, last_order_date = now() - interval '1 day' WHERE id = '{customer}';
            """, other, otherTransaction))
        {
            await first.ExecuteNonQueryAsync();
        }

        await using var database = Npgsql.NpgsqlDataSource.Create(fixture.DatabaseConnectionString);
        var handler = new MiniCrm.Workers.Orders.OrderBatchHandler(database,
            new MiniCrm.Workers.Journeys.JourneyTriggers(new MiniCrm.Workers.Journeys.JourneyPlans(Microsoft.Extensions.Logging.Abstractions.NullLogger<MiniCrm.Workers.Journeys.JourneyPlans>.Instance), TimeProvider.System));
        var later = new OrderSubmitted(orderId, customer, 250, OrderStatus.Completed, DateTimeOffset.UtcNow.AddDays(-1), [new OrderLineSubmitted("Tea", 1, 250)],
            DateTimeOffset.UtcNow, Guid.CreateVersion7());
        var batch = new[] { new MiniCrm.Workers.Messaging.Consumed<OrderSubmitted>(later, default) };
        var running = handler.HandleAsync(batch, CancellationToken.None);
        await AppHostFixture.EventuallyAsync(async () => await fixture.ScalarAsync<long>(
                $"SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO orders AS o%'") > 0,
            TimeSpan.FromSeconds(30), "the batch to wait on the other consumer's insert");
        await otherTransaction.CommitAsync();

        // The batch finds the version it did not read and takes itself back; tried again (as the consumer does), it counts the order once.
        await Assert.ThrowsAsync<MiniCrm.Workers.Messaging.RaceLostException>(() => running);
        await handler.HandleAsync(batch, CancellationToken.None);
        Assert.Equal(0L, await fixture.ScalarAsync<long>(DifferingFromOrders($"c.id = '{customer}'")));
        Assert.Equal(250m, await fixture.ScalarAsync<decimal>($"SELECT total_spend FROM customers WHERE id = '{customer}'"));
    }

    /// <summary>
    /// Counts the customers <paramref name="which"/> selects whose figures are not what the README defines from their
    /// orders as they are now (total spend: COMPLETED amounts; visits and last order: COMPLETED or REFUNDED orders).
    /// More OR conditions may follow.
    /// </summary>
    internal static string DifferingFromOrders(string which) => $"""
        WITH recomputed AS (
            SELECT c.id,
                   coalesce(sum(o.amount) FILTER (WHERE o.status = 'COMPLETED'), 0) AS spend,
                   count(o.id) FILTER (WHERE o.status IN ('COMPLETED', 'REFUNDED')) AS visits,
                   max(o.order_date) FILTER (WHERE o.status IN ('COMPLETED', 'REFUNDED')) AS last_order
            FROM customers c LEFT JOIN orders o ON o.customer_id = c.id
            WHERE {which} GROUP BY c.id)
        SELECT count(*) FROM recomputed r JOIN customers c USING (id)
        WHERE r.spend <> c.total_spend OR r.visits <> c.visits OR r.last_order IS DISTINCT FROM c.last_order_date
        """;

    /// <summary>Up to 9 orders, each with one to three versions that move forward through its lifecycle (sometimes re-sent within a stage).</summary>
    private static List<Version> OrderSet(Random random)
    {
        var versions = new List<Version>();
        // Whole seconds: the expected values are compared with what PostgreSQL stores (microseconds).
        var start = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddDays(-60).ToUnixTimeSeconds());
        for (var order = 0; order < 6 + random.Next(4); order++)
        {
            var path = random.Next(7) switch
            {
                0 => new[] { OrderStatus.Completed },
                1 => [OrderStatus.Pending, OrderStatus.Completed],
                2 => [OrderStatus.Pending, OrderStatus.Completed, OrderStatus.Refunded],
                3 => [OrderStatus.Pending, OrderStatus.Cancelled],
                4 => [OrderStatus.Completed, OrderStatus.Completed], // new items and amount within a stage: the later one wins
                5 => [OrderStatus.Cancelled, OrderStatus.Completed], // un-cancelled: the same stage, later
                _ => [OrderStatus.Refunded],
            };
            var orderDate = start.AddDays(random.Next(55)).AddSeconds(random.Next(86_400));
            var updated = orderDate;
            foreach (var status in path)
            {
                updated = updated.AddMinutes(1 + random.Next(600));
                var items = Enumerable.Range(0, 1 + random.Next(3))
                    .Select(i => ($"{status} item {i}", 1 + random.Next(3), Math.Round((decimal)random.NextDouble() * 500, 2))).ToArray();
                versions.Add(new Version(order, status, items.Sum(i => i.Item2 * i.Item3), orderDate, updated, items));
            }
        }

        return versions;
    }

    private static string OrderId(string tag, int customer, int order) => $"{tag}-{customer}-{order}";

    private static object Body(Version v, string orderId, Guid customer) => new
    {
        orderId,
        customerId = customer,
        amount = v.Amount,
        status = v.Status.ToString().ToUpperInvariant(),
        orderDate = v.OrderDate,
        updatedAt = v.UpdatedAt,
        items = v.Items.Select(i => new { name = i.Name, quantity = i.Quantity, unitPrice = i.UnitPrice }),
    };

    /// <summary>Submits items (waiting out a 503) and returns the ids given to them in order; every item must be accepted.</summary>
    private static async Task<List<T>> SubmitAsync<T>(HttpClient ingest, string path, List<object> items)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            using var response = await ingest.PostAsJsonAsync(path, items);
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
                Assert.True(answer.GetProperty("accepted").GetInt32() == items.Count, answer.GetRawText());
                return [.. answer.GetProperty("items").EnumerateArray().OrderBy(i => i.GetProperty("index").GetInt32())
                    .Select(i => typeof(T) == typeof(Guid) ? (T)(object)i.GetProperty("id").GetGuid() : (T)(object)i.GetProperty("id").GetString()!)];
            }

            Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable && DateTime.UtcNow < deadline,
                $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1));
        }
    }
}
