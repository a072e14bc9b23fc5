using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MiniCrm.Api.Application.Campaigns;
using MiniCrm.Core.Outcomes;
using MiniCrm.Tests.Infrastructure;

namespace MiniCrm.Tests.Pipeline;

/// <summary>
/// What a campaign earned: a held-out control group (chosen by the documented hash, never messaged, outside the counters)
/// and the orders attributed to each group in the window, recomputed here in SQL: late orders, duplicates, a refund and
/// orders outside the window included.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class CampaignResultsTests(AppHostFixture fixture)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// 20,000 customers, 20% held out, and simulated shoppers who buy after exactly 20% of the delivered messages: the true
    /// uplift in conversion is 20 points (the held-out customers buy nothing), and the reported interval contains it.
    /// </summary>
    [Fact]
    public async Task The_lift_of_a_campaign_with_known_shoppers_contains_the_true_uplift()
    {
        var city = "Shop" + Guid.NewGuid().ToString("N")[..10];
        for (var from = 0; from < 20_000; from += 5_000)
        {
            await TestCustomers.AddAsync(fixture, city, from, 5_000);
        }

        using var vendor = fixture.WithOpsKey("vendorsim");
        Assert.Equal(HttpStatusCode.OK, (await vendor.PutAsJsonAsync("/shop", new { buyRate = 0.2, maxDelaySeconds = 5 })).StatusCode);
        try
        {
            using var api = fixture.Api();
            using var launched = await api.PostAsJsonAsync("/api/campaigns", new
            {
                name = "Known shoppers " + city, message = "Hi {{name}}", smartSending = false, holdoutPercent = 20,
                rules = new { combinator = "AND", rules = new[] { new { attribute = "city", @operator = "=", value = city } } },
            });
            Assert.Equal(HttpStatusCode.Created, launched.StatusCode);
            var id = (await launched.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("id").GetGuid();
            var done = await CampaignTests.WaitForCompletionAsync(api, id, TimeSpan.FromSeconds(240));
            var sent = done.SentCount;
            var buyers = (int)Math.Floor(sent * 0.2); // every fifth delivered message, counted by the vendor
            await AppHostFixture.EventuallyAsync(async () => await fixture.ScalarAsync<long>($"SELECT count(*) FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.city = '{city}'") >= buyers,
                TimeSpan.FromSeconds(90), $"{buyers} purchases stored");

            // Held out: no message, at the CRM or at the vendor.
            var held = await fixture.ScalarAsync<long>($"SELECT count(*) FROM communication_logs WHERE campaign_id = '{id}' AND status = 'HELD_OUT'");
            Assert.InRange(held, 3_600, 4_400);
            Assert.Equal(0L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM communication_logs WHERE campaign_id = '{id}' AND status = 'HELD_OUT' AND (delivered_at IS NOT NULL OR attempts > 1)"));
            // The vendor's sandbox inbox (it keeps the last 100,000 messages here) has the messaged customers' messages, and none of the held-out ones'.
            var sample = await fixture.ListAsync($"SELECT customer_id, status FROM communication_logs WHERE campaign_id = '{id}' AND status IN ('HELD_OUT', 'SENT') ORDER BY md5(customer_id::text) LIMIT 200",
                r => (Customer: r.GetGuid(0), Held: r.GetString(1) == "HELD_OUT"));
            foreach (var (customer, wasHeld) in sample)
            {
                using var inbox = await vendor.GetAsync($"/deliveries/{MiniCrm.Core.Messaging.DeliveryIds.For(id, customer)}");
                Assert.Equal(wasHeld ? HttpStatusCode.NotFound : HttpStatusCode.OK, inbox.StatusCode);
            }

            var converted = await fixture.ScalarAsync<long>(
                $"SELECT count(DISTINCT l.customer_id) FROM communication_logs l JOIN orders o ON o.customer_id = l.customer_id AND o.status = 'COMPLETED' " +
                $"AND o.order_date > l.delivered_at AND o.order_date <= l.delivered_at + interval '7 days' WHERE l.campaign_id = '{id}' AND l.status = 'SENT'");
            var results = await ResultsWhenAsync(api, id, r => r.GetProperty("messaged").GetProperty("conversions").GetInt64() == converted, $"{converted} conversions");
            Assert.Equal(0, results.GetProperty("heldOut").GetProperty("conversions").GetInt64());
            var lift = results.GetProperty("conversionLift");
            Assert.InRange(0.2, lift.GetProperty("low").GetDouble(), lift.GetProperty("high").GetDouble());
            Assert.True(lift.GetProperty("low").GetDouble() > 0.15, $"the interval is tight around 20 points: {lift}");
            Assert.Contains("the campaign made a difference", results.GetProperty("verdict").GetString());
        }
        finally
        {
            await vendor.PutAsJsonAsync("/shop", new { buyRate = 0.0, maxDelaySeconds = 60 });
        }
    }

    [Fact]
    public async Task A_control_group_is_never_messaged_and_the_results_equal_a_count_in_SQL()
    {
        var city = await TestCustomers.InNewCityAsync(fixture, "Lift", 600);
        using var api = fixture.Api();
        using var launched = await api.PostAsJsonAsync("/api/campaigns", new
        {
            name = "Lift " + city, message = "Hi {{name}}", smartSending = false, holdoutPercent = 20, attributionDays = 7,
            rules = new { combinator = "AND", rules = new[] { new { attribute = "city", @operator = "=", value = city } } },
        });
        Assert.Equal(HttpStatusCode.Created, launched.StatusCode);
        var id = (await launched.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("id").GetGuid();
        var done = await CampaignTests.WaitForCompletionAsync(api, id, TimeSpan.FromSeconds(120));

        // The control group: the customers whose bucket is below 20, as documented; never messaged; outside the counters.
        var rows = await fixture.ListAsync($"SELECT customer_id, status FROM communication_logs WHERE campaign_id = '{id}'", r => (Customer: r.GetGuid(0), Status: r.GetString(1)));
        Assert.Equal(600, rows.Count);
        Assert.All(rows, r => Assert.Equal(HoldoutSplit.Bucket(id, r.Customer) < 20, r.Status == "HELD_OUT"));
        var held = rows.Where(r => r.Status == "HELD_OUT").Select(r => r.Customer).ToList();
        Assert.InRange(held.Count, 80, 160); // 20% of 600, give or take the draw
        var campaign = await api.GetFromJsonAsync<JsonElement>($"/api/campaigns/{id}", Json);
        Assert.Equal(held.Count, campaign.GetProperty("heldOutCount").GetInt32());
        Assert.Equal(600 - held.Count, campaign.GetProperty("audienceSize").GetInt32());
        Assert.Equal(600 - held.Count, done.SentCount + done.FailedCount);
        Assert.Equal(0L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM communication_logs WHERE campaign_id = '{id}' AND status = 'HELD_OUT' AND delivered_at IS NOT NULL"));
        Assert.Equal(0L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM last_campaign_messages m JOIN communication_logs l ON l.customer_id = m.customer_id AND l.campaign_id = m.campaign_id WHERE m.campaign_id = '{id}' AND l.status = 'HELD_OUT'"));

        // As if it ran four days ago: its start and its deliveries moved back, so orders of the last days fall in its window.
        await fixture.ScalarAsync<long>($"WITH c AS (UPDATE campaigns SET prepared_at = prepared_at - interval '4 days' WHERE id = '{id}' RETURNING 1), " +
                                        $"l AS (UPDATE communication_logs SET delivered_at = delivered_at - interval '4 days' WHERE campaign_id = '{id}' AND delivered_at IS NOT NULL RETURNING 1) " +
                                        "SELECT (SELECT count(*) FROM c) + (SELECT count(*) FROM l)");
        var sent = await fixture.ListAsync($"SELECT customer_id FROM communication_logs WHERE campaign_id = '{id}' AND status = 'SENT' ORDER BY customer_id", r => r.GetGuid(0));
        var now = DateTimeOffset.UtcNow;
        var orders = new List<object>();
        object Order(string orderId, Guid customer, decimal amount, string status, DateTimeOffset at, DateTimeOffset? updatedAt = null) =>
            new { orderId, customerId = customer, amount, status, orderDate = at, updatedAt = updatedAt ?? at, items = new[] { new { name = "Tea", quantity = 1, unitPrice = amount } } };
        var tag = Guid.NewGuid().ToString("N")[..8];
        // Messaged: 40 buy in the window (two of them twice), 10 bought before their message, 5 buy and are refunded.
        orders.AddRange(sent.Take(40).Select((c, i) => Order($"in-{tag}-{i}", c, 100 + i, "COMPLETED", now.AddDays(-2))));
        orders.AddRange(sent.Take(2).Select((c, i) => Order($"again-{tag}-{i}", c, 30, "COMPLETED", now.AddDays(-1))));
        orders.AddRange(sent.Skip(40).Take(10).Select((c, i) => Order($"before-{tag}-{i}", c, 500, "COMPLETED", now.AddDays(-6))));
        orders.AddRange(sent.Skip(50).Take(5).Select((c, i) => Order($"refund-{tag}-{i}", c, 80, "COMPLETED", now.AddDays(-2))));
        // Held out: 12 buy in the window, 3 only before the campaign.
        orders.AddRange(held.Take(12).Select((c, i) => Order($"held-{tag}-{i}", c, 60, "COMPLETED", now.AddDays(-1))));
        orders.AddRange(held.Skip(12).Take(3).Select((c, i) => Order($"held-before-{tag}-{i}", c, 60, "COMPLETED", now.AddDays(-5))));
        using var ingest = fixture.IngestingApi();
        Assert.Equal(HttpStatusCode.Accepted, (await ingest.PostAsJsonAsync("/api/orders", orders)).StatusCode);
        // Twice (a source that retries), then the refunds, late.
        Assert.Equal(HttpStatusCode.Accepted, (await ingest.PostAsJsonAsync("/api/orders", orders)).StatusCode);
        var refunds = sent.Skip(50).Take(5).Select((c, i) => Order($"refund-{tag}-{i}", c, 80, "REFUNDED", now.AddDays(-2), now.AddMinutes(-1))).ToArray();
        Assert.Equal(HttpStatusCode.Accepted, (await ingest.PostAsJsonAsync("/api/orders", refunds)).StatusCode);
        // And four held-out customers' orders from a shop's export, imported as a CSV.
        var importedFor = await fixture.ListAsync(
            $"SELECT email FROM customers WHERE id IN ({string.Join(",", held.Skip(15).Take(4).Select(c => $"'{c}'"))}) ORDER BY email", r => r.GetString(0));
        var csv = "orderId,customerEmail,amount,status,orderDate,itemName,quantity,unitPrice\n" +
                  string.Concat(importedFor.Select((email, i) => $"imported-{tag}-{i},{email},45,COMPLETED,{now.AddDays(-1):O},Mug,1,45\n"));
        var import = await ImportTests.UploadAsync(api, "orders", csv, "shop-export.csv");
        Assert.Equal(4, (await ImportTests.FinishedAsync(api, import.GetProperty("id").GetGuid())).GetProperty("accepted").GetInt64());
        await AppHostFixture.EventuallyAsync(async () => await fixture.ScalarAsync<long>($"SELECT count(*) FROM orders WHERE id LIKE '%-{tag}-%' AND status = 'REFUNDED'") == 5
                                                         && await fixture.ScalarAsync<long>($"SELECT count(*) FROM orders WHERE id LIKE '%-{tag}-%'") == orders.Count + 4,
            TimeSpan.FromSeconds(60), "the orders stored");

        // The same figures, counted here: COMPLETED orders after the customer's delivery (held out: after the start) and within 7 days.
        const string Window = """
            FROM communication_logs l JOIN campaigns c ON c.id = l.campaign_id
            JOIN orders o ON o.customer_id = l.customer_id AND o.status = 'COMPLETED'
             AND o.order_date > CASE WHEN l.status = 'HELD_OUT' THEN c.prepared_at ELSE l.delivered_at END
             AND o.order_date <= CASE WHEN l.status = 'HELD_OUT' THEN c.prepared_at ELSE l.delivered_at END + interval '7 days'
            """;
        var expected = new Dictionary<string, (long Converted, decimal Revenue)>();
        foreach (var group in (string[])["SENT", "HELD_OUT"])
        {
            expected[group] = (await fixture.ScalarAsync<long>($"SELECT count(DISTINCT l.customer_id) {Window} WHERE l.campaign_id = '{id}' AND l.status = '{group}'"),
                               await fixture.ScalarAsync<decimal>($"SELECT coalesce(sum(o.amount), 0) {Window} WHERE l.campaign_id = '{id}' AND l.status = '{group}'"));
        }

        Assert.Equal(40, expected["SENT"].Converted); // the test's own arithmetic: nothing else of these customers is counted
        Assert.Equal(16, expected["HELD_OUT"].Converted);

        // The Workers' attribution job keeps the results: they reach these figures within a moment of the last order.
        var results = await ResultsWhenAsync(api, id, r => r.GetProperty("messaged").GetProperty("revenue").GetDecimal() == expected["SENT"].Revenue
                                                           && r.GetProperty("heldOut").GetProperty("revenue").GetDecimal() == expected["HELD_OUT"].Revenue,
            $"revenue {expected["SENT"].Revenue} and {expected["HELD_OUT"].Revenue}");
        var messaged = results.GetProperty("messaged");
        var control = results.GetProperty("heldOut");
        Assert.Equal(sent.Count, messaged.GetProperty("customers").GetInt64());
        Assert.Equal(held.Count, control.GetProperty("customers").GetInt64());
        Assert.Equal(expected["SENT"].Converted, messaged.GetProperty("conversions").GetInt64());
        Assert.Equal(expected["SENT"].Revenue, messaged.GetProperty("revenue").GetDecimal());
        Assert.Equal(expected["HELD_OUT"].Converted, control.GetProperty("conversions").GetInt64());
        Assert.Equal(expected["HELD_OUT"].Revenue, control.GetProperty("revenue").GetDecimal());
        Assert.Equal(expected["SENT"].Revenue, results.GetProperty("attributedRevenue").GetDecimal());
        Assert.Equal(42, messaged.GetProperty("orders").GetInt64());
        Assert.Equal(expected["SENT"].Revenue, results.GetProperty("lastTouchRevenue").GetDecimal()); // no other campaign reached them since
        var cumulative = results.GetProperty("cumulative").EnumerateArray().ToList();
        Assert.Equal(CampaignOutcomes.Steps + 1, cumulative.Count);
        Assert.Equal((expected["SENT"].Converted, expected["HELD_OUT"].Converted), (cumulative[^1].GetProperty("messaged").GetInt64(), cumulative[^1].GetProperty("heldOut").GetInt64()));

        // The lift is Lift's on these counts, and the verdict says the window is still open.
        var interval = Lift.ProportionDifference(expected["SENT"].Converted, sent.Count, expected["HELD_OUT"].Converted, held.Count);
        var lift = results.GetProperty("conversionLift");
        Assert.Equal(interval.Low, lift.GetProperty("low").GetDouble(), 1e-9);
        Assert.Equal(interval.High, lift.GetProperty("high").GetDouble(), 1e-9);
        Assert.False(results.GetProperty("final").GetBoolean());
        // The window is open: the verdict says so, and what it says of the difference follows the interval. Mostly it holds 0
        // (about 9% against 10% to 16%, as the draw holds out 80 to 160); a draw that holds out close to 100, with the vendor
        // failing its tenth, leaves the whole interval below 0 (CI saw −6.6 points, between −15.1 and −0.1).
        var verdictNow = results.GetProperty("verdict").GetString()!;
        if (held.Count < CampaignOutcomes.SmallestGroup || (interval.Low <= 0 && interval.High >= 0))
        {
            Assert.StartsWith("Too early to tell", verdictNow);
        }
        else
        {
            Assert.Contains(interval.High < 0 ? "fewer of the messaged customers ordered" : "the campaign made a difference", verdictNow);
            Assert.Contains("the window is still open", verdictNow);
        }

        // As if it had finished nine days ago: its window has closed, its results are final, and its summary says what it earned.
        await CampaignResultsTests.FinishedDaysAgoAsync(fixture, id, 9);
        var summary = "";
        await AppHostFixture.EventuallyAsync(async () =>
        {
            summary = await fixture.ScalarAsync<string>($"SELECT summary FROM campaigns WHERE id = '{id}' AND results_final_at IS NOT NULL") ?? "";
            return summary.Length > 0;
        }, TimeSpan.FromSeconds(30), () => "the results marked final and the summary written again");
        Assert.Contains($"Within 7 days of their message, {expected["SENT"].Converted} of the {sent.Count} customers it reached ordered", summary);
        Assert.Contains($"of the {held.Count} held out, {expected["HELD_OUT"].Converted} ordered", summary);
        Assert.Contains(expected["SENT"].Revenue.ToString("N2", System.Globalization.CultureInfo.InvariantCulture), summary);
        var after = await api.GetFromJsonAsync<JsonElement>($"/api/campaigns/{id}/results", Json);
        Assert.True(after.GetProperty("final").GetBoolean());
        var verdict = after.GetProperty("verdict").GetString()!;
        Assert.DoesNotContain("the window is still open", verdict);
        // The draw holds out about 120 of 600; below 100 in a group (about one run in fifty) the verdict says the groups are small.
        if (held.Count < CampaignOutcomes.SmallestGroup || sent.Count < CampaignOutcomes.SmallestGroup)
        {
            Assert.Contains("the groups are small", verdict);
        }
        else
        {
            Assert.DoesNotContain("Too early", verdict);
        }
    }

    /// <summary>The campaign's results once <paramref name="reached"/> holds (the attribution job has caught up with the orders).</summary>
    internal static async Task<JsonElement> ResultsWhenAsync(HttpClient api, Guid id, Func<JsonElement, bool> reached, string what, int seconds = 30)
    {
        JsonElement results = default;
        await AppHostFixture.EventuallyAsync(async () =>
        {
            results = await api.GetFromJsonAsync<JsonElement>($"/api/campaigns/{id}/results", Json);
            return reached(results);
        }, TimeSpan.FromSeconds(seconds), () => $"the results to show {what}; last seen: {results}");
        return results;
    }

    /// <summary>As if campaign <paramref name="id"/> had finished <paramref name="days"/> days ago (its completion and last receipt moved back), so its window may have closed.</summary>
    internal static async Task FinishedDaysAgoAsync(AppHostFixture fixture, Guid id, int days) =>
        Assert.Equal(1L, await fixture.ScalarAsync<long>(
            $"WITH c AS (UPDATE campaigns SET completed_at = completed_at - make_interval(days => {days}), last_receipt_at = last_receipt_at - make_interval(days => {days}) " +
            $"WHERE id = '{id}' RETURNING 1) SELECT count(*) FROM c"));
}
