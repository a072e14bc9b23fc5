using Aspire.Hosting;
using Aspire.Hosting.Testing;
using System.Net.Http.Json;
using MiniCrm.Tests.Infrastructure;
using MiniCrm.ServiceDefaults.Kafka;

namespace MiniCrm.Tests.Pipeline;

[Collection(AppHostCollection.Name)]
public sealed class IngestionTests(AppHostFixture fixture)
{
    [Fact]
    public async Task Seeded_customers_aggregates_equal_a_direct_sql_aggregation_of_their_orders()
    {
        var customersBefore = await fixture.ScalarAsync<long>("SELECT count(*) FROM customers");
        var ordersBefore = await fixture.ScalarAsync<long>("SELECT count(*) FROM orders");

        var status = await IngestDriver.SeedAsync(fixture, customers: 2_000, orders: 6_000, TimeSpan.FromMinutes(5));
        Assert.Equal(2_000, status.CustomersAccepted);
        Assert.Equal(6_000, status.OrdersAccepted);

        await AppHostFixture.EventuallyAsync(async () =>
            await fixture.ScalarAsync<long>("SELECT count(*) FROM customers") == customersBefore + 2_000 &&
            await fixture.ScalarAsync<long>("SELECT count(*) FROM orders") == ordersBefore + 6_000,
            TimeSpan.FromMinutes(2), "2,000 customers and 6,000 orders in the database");

        // Every status is represented, so each aggregate rule is exercised.
        Assert.Equal(4L, await fixture.ScalarAsync<long>("SELECT count(DISTINCT status) FROM orders"));

        var mismatches = await fixture.ScalarAsync<long>(OrderLifecycleTests.DifferingFromOrders("TRUE"));
        Assert.Equal(0L, mismatches);
        Assert.True(await fixture.ScalarAsync<long>("SELECT count(*) FROM customers WHERE visits > 0") > 1_000);
        Assert.Equal(0L, await fixture.ScalarAsync<long>("SELECT count(*) FROM order_items WHERE total <> quantity * unit_price"));
    }

    [Fact]
    public async Task Orders_for_stored_customers_are_seeded_with_the_ingestion_key_alone()
    {
        await IngestDriver.EnsureCustomersAsync(fixture, 100);
        var before = await fixture.ScalarAsync<long>("SELECT count(*) FROM orders");
        var status = await IngestDriver.SeedAsync(fixture, customers: 0, orders: 1_000, TimeSpan.FromMinutes(3));
        Assert.Equal((1_000L, 0L), (status.OrdersAccepted, status.OrdersRejected));
        await AppHostFixture.EventuallyAsync(async () => await fixture.ScalarAsync<long>("SELECT count(*) FROM orders") == before + 1_000,
            TimeSpan.FromMinutes(1), "the 1,000 orders stored");

        // What Ingest reads is ids, with the ingestion key; a marketer's list needs a marketer.
        using var machine = fixture.IngestingApi();
        var page = await machine.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/ingestion/customer-ids?limit=5");
        Assert.Equal(5, page.GetProperty("items").GetArrayLength());
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await machine.GetAsync("/api/customers?limit=5")).StatusCode);
        using var stranger = fixture.AnonymousApi();
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await stranger.GetAsync("/api/ingestion/customer-ids")).StatusCode);
    }

    [Fact]
    public async Task Two_requests_with_the_same_email_in_flight_together_both_get_ids_that_name_the_one_stored_customer()
    {
        var email = $"race.{Guid.NewGuid():N}@example.com";
        using var http = fixture.IngestingApi();
        var ids = new List<Guid>();
        foreach (var name in new[] { "First Racer", "Second Racer" })
        {
            // Back to back: the second is checked before the Workers have stored the first.
            var response = await http.PostAsJsonAsync("/api/customers", new { name, email, city = "Pune" });
            Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
            var body = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
            ids.Add(Guid.Parse(body.GetProperty("items")[0].GetProperty("id").GetString()!));
        }

        Assert.NotEqual(ids[0], ids[1]);
        await AppHostFixture.EventuallyAsync(async () => await fixture.ScalarAsync<long>($"SELECT count(*) FROM customers WHERE email = '{email}'") == 1 &&
            await fixture.ScalarAsync<long>($"""
                SELECT count(*) FROM (VALUES ('{ids[0]}'::uuid), ('{ids[1]}'::uuid)) AS v(id)
                WHERE EXISTS (SELECT 1 FROM customers c WHERE c.id = v.id AND c.email = '{email}')
                   OR EXISTS (SELECT 1 FROM customer_aliases a JOIN customers c ON c.id = a.customer_id WHERE a.id = v.id AND c.email = '{email}')
                """) == 2,
            TimeSpan.FromSeconds(30), "one customer stored, and both ids naming it");
        var stored = await fixture.ScalarAsync<Guid>($"SELECT id FROM customers WHERE email = '{email}'");

        using var api = fixture.Api();
        foreach (var id in ids)
        {
            var customer = await api.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/customers/{id}");
            Assert.Equal(stored, customer.GetProperty("customer").GetProperty("id").GetGuid());
        }

        // An order may name the customer by either id; it lands on the stored one.
        var alias = ids.Single(id => id != stored);
        var orderId = "alias-" + Guid.NewGuid().ToString("N");
        var order = new { orderId, customerId = alias, amount = 10, status = "COMPLETED", items = new[] { new { name = "Tea", quantity = 1, unitPrice = 10 } } };
        Assert.Equal(System.Net.HttpStatusCode.Accepted, (await http.PostAsJsonAsync("/api/orders", order)).StatusCode);
        await AppHostFixture.EventuallyAsync(async () => await fixture.ScalarAsync<long>($"SELECT count(*) FROM orders WHERE id = '{orderId}' AND customer_id = '{stored}'") == 1,
            TimeSpan.FromSeconds(30), "the order on the stored customer");
    }

    [Fact]
    public async Task A_repeated_or_redelivered_order_changes_nothing_a_second_time_and_a_later_version_updates_it()
    {
        await IngestDriver.EnsureCustomersAsync(fixture, 10);
        var customer = await fixture.ScalarAsync<Guid>("SELECT id FROM customers ORDER BY created_at LIMIT 1");
        var spendBefore = await fixture.ScalarAsync<decimal>($"SELECT total_spend FROM customers WHERE id = '{customer}'");
        var visitsBefore = await fixture.ScalarAsync<int>($"SELECT visits FROM customers WHERE id = '{customer}'");
        var orderId = "redelivery-" + Guid.NewGuid().ToString("N");
        var order = new { orderId, customerId = customer, amount = 250.50m, status = "COMPLETED", items = new[] { new { name = "Kettle", quantity = 1, unitPrice = 250.50m } } };

        using var http = fixture.IngestingApi();
        Assert.Equal(System.Net.HttpStatusCode.Accepted, (await http.PostAsJsonAsync("/api/orders", order)).StatusCode);
        await AppHostFixture.EventuallyAsync(async () => await fixture.ScalarAsync<long>($"SELECT count(*) FROM orders WHERE id = '{orderId}'") == 1,
            TimeSpan.FromSeconds(30), "the order to be stored");

        // The same order again (a source's retry) is a version like the first: nothing moves twice...
        Assert.Equal(System.Net.HttpStatusCode.Accepted, (await http.PostAsJsonAsync("/api/orders", order)).StatusCode);

        // ...nor does a copy already on the bus (a producer retry, a redelivery).
        await using var producer = new KafkaTestProducer(await fixture.App.GetConnectionStringAsync("kafka") ?? "");
        await producer.ProduceJsonAsync(MiniCrm.ServiceDefaults.Kafka.KafkaTopics.Orders, customer.ToString(),
            new MiniCrm.Core.Messaging.OrderSubmitted(orderId, customer, 250.50m, MiniCrm.Core.Domain.OrderStatus.Completed, DateTimeOffset.UtcNow,
                [new("Kettle", 1, 250.50m)]));
        var marker = "marker-" + Guid.NewGuid().ToString("N");
        await producer.ProduceJsonAsync(MiniCrm.ServiceDefaults.Kafka.KafkaTopics.Orders, customer.ToString(),
            new MiniCrm.Core.Messaging.OrderSubmitted(marker, customer, 0m, MiniCrm.Core.Domain.OrderStatus.Pending, DateTimeOffset.UtcNow, [new("Note", 1, 0m)]));
        await AppHostFixture.EventuallyAsync(async () => await fixture.ScalarAsync<long>($"SELECT count(*) FROM orders WHERE id = '{marker}'") == 1,
            TimeSpan.FromSeconds(30), "the marker order behind the duplicates to be stored");

        Assert.Equal(spendBefore + 250.50m, await fixture.ScalarAsync<decimal>($"SELECT total_spend FROM customers WHERE id = '{customer}'"));
        Assert.Equal(visitsBefore + 1, await fixture.ScalarAsync<int>($"SELECT visits FROM customers WHERE id = '{customer}'"));
        Assert.Equal(1L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM order_items WHERE order_id = '{orderId}'"));

        // A refund of it is a later version: it takes back what the order added, and it keeps its visit.
        Assert.Equal(System.Net.HttpStatusCode.Accepted, (await http.PostAsJsonAsync("/api/orders", order with { status = "REFUNDED" })).StatusCode);
        await AppHostFixture.EventuallyAsync(async () => await fixture.ScalarAsync<string>($"SELECT status FROM orders WHERE id = '{orderId}'") == "REFUNDED",
            TimeSpan.FromSeconds(30), "the refund to be stored");
        Assert.Equal(spendBefore, await fixture.ScalarAsync<decimal>($"SELECT total_spend FROM customers WHERE id = '{customer}'"));
        Assert.Equal(visitsBefore + 1, await fixture.ScalarAsync<int>($"SELECT visits FROM customers WHERE id = '{customer}'"));
    }

    [Fact]
    public async Task A_burst_larger_than_the_emulator_retention_arrives_whole_through_backpressure()
    {
        const int customers = 200_000;
        // Whatever a test before this one left on its way (a stream's last items) is stored first, so the count below is this burst's alone.
        await fixture.WaitUntilQuietAsync(TimeSpan.FromMinutes(2));
        var before = await fixture.ScalarAsync<long>("SELECT count(*) FROM customers");

        var status = await IngestDriver.SeedAsync(fixture, customers, orders: 0, TimeSpan.FromMinutes(15));
        Assert.Equal(customers, status.CustomersAccepted);
        // The Api held the producer back (503 + Retry-After) instead of letting it run ahead of the Workers.
        Assert.True(status.Throttled > 0, "the ingestion API never applied backpressure");

        long stored = 0;
        await AppHostFixture.EventuallyAsync(
            async () => (stored = await fixture.ScalarAsync<long>("SELECT count(*) FROM customers") - before) == customers,
            TimeSpan.FromMinutes(5), () => $"{customers:N0} customers in the database; {stored:N0} so far");

        using var workers = fixture.App.CreateHttpClient("workers");
        Assert.Equal("Healthy", await workers.GetStringAsync("/health"));
    }
}
