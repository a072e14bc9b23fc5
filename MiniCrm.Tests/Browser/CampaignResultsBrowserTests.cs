using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using MiniCrm.Tests.Infrastructure;
using MiniCrm.Tests.Pipeline;
using static Microsoft.Playwright.Assertions;

namespace MiniCrm.Tests.Browser;

/// <summary>A campaign's Results panel after its customers bought (the groups, the lift drawn with its interval, the verdict, the conversions over time), the home page and the revenue in the campaigns list.</summary>
[Collection(AppHostCollection.Name)]
public sealed class CampaignResultsBrowserTests(AppHostFixture fixture, BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task The_results_panel_shows_both_groups_the_lift_and_the_verdict()
    {
        var city = await TestCustomers.InNewCityAsync(fixture, "Panel", 300);
        using var api = fixture.Api();
        using var launched = await api.PostAsJsonAsync("/api/campaigns", new
        {
            name = "Results " + city, message = "Hi {{name}}", smartSending = false, holdoutPercent = 20,
            rules = new { combinator = "AND", rules = new[] { new { attribute = "city", @operator = "=", value = city } } },
        });
        Assert.Equal(HttpStatusCode.Created, launched.StatusCode);
        var id = (await launched.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("id").GetGuid();
        await CampaignTests.WaitForCompletionAsync(api, id, TimeSpan.FromSeconds(120));

        // Thirty messaged customers buy now; two held-out ones too.
        var buyers = await fixture.ListAsync(
            $"(SELECT customer_id FROM communication_logs WHERE campaign_id = '{id}' AND status = 'SENT' ORDER BY customer_id LIMIT 30) UNION ALL " +
            $"(SELECT customer_id FROM communication_logs WHERE campaign_id = '{id}' AND status = 'HELD_OUT' ORDER BY customer_id LIMIT 2)", r => r.GetGuid(0));
        var now = DateTimeOffset.UtcNow.AddSeconds(1);
        using var ingest = fixture.IngestingApi();
        var orders = buyers.Select((c, i) => new { orderId = $"panel-{id:N}-{i}", customerId = c, amount = 250m, status = "COMPLETED", orderDate = now,
            items = new[] { new { name = "Kurta", quantity = 1, unitPrice = 250m } } }).ToArray();
        Assert.Equal(HttpStatusCode.Accepted, (await ingest.PostAsJsonAsync("/api/orders", orders)).StatusCode);
        await AppHostFixture.EventuallyAsync(async () => await fixture.ScalarAsync<long>($"SELECT count(*) FROM orders WHERE id LIKE 'panel-{id:N}-%'") == 32,
            TimeSpan.FromSeconds(60), "the orders stored");

        await CampaignResultsTests.ResultsWhenAsync(api, id, r => r.GetProperty("messaged").GetProperty("conversions").GetInt64() == 30
                                                                   && r.GetProperty("heldOut").GetProperty("conversions").GetInt64() == 2, "32 conversions");

        await using var context = await browser.SignedInAsync(fixture);
        var page = await BrowserFixture.OpenAsync(context, fixture, $"/campaigns/{id}");
        var panel = page.GetByTestId("results");
        await Expect(panel).ToBeVisibleAsync();
        await Expect(page.GetByTestId("results-messaged")).ToContainTextAsync("30");
        await Expect(page.GetByTestId("results-held-out")).ToContainTextAsync("2");
        await Expect(page.GetByTestId("attributed-revenue")).ToContainTextAsync("7,500.00");
        await Expect(page.GetByTestId("verdict")).ToContainTextAsync("Too early to tell"); // the groups are small, the window open
        await Expect(panel.GetByRole(AriaRole.Img).First).ToHaveAttributeAsync("aria-label", new System.Text.RegularExpressions.Regex("^Conversion lift"));
        // The cumulative conversions of both groups, said in words too.
        await Expect(page.GetByTestId("conversion-chart")).ToHaveAttributeAsync("aria-label", new System.Text.RegularExpressions.Regex(@"^Customers who ordered since the start: \d+\.\d% of the messaged, \d+\.\d% of the held out$"));
        await Expect(page.GetByTestId("held-out")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("incremental-range")).ToContainTextAsync("95% interval");
        await BrowserFixture.CheckAsync(page, "campaign-results-desktop");

        await using var phone = await browser.SignedInAsync(fixture, BrowserFixture.Phone);
        var small = await BrowserFixture.OpenAsync(phone, fixture, $"/campaigns/{id}");
        await Expect(small.GetByTestId("results")).ToBeVisibleAsync();
        await BrowserFixture.CheckAsync(small, "campaign-results-phone");

        // The home page: the last 30 days as GET /api/overview has them, which add up from each campaign's results.
        var overview = await OverviewWhenConsistentAsync(api);
        var home = await BrowserFixture.OpenAsync(context, fixture, "/");
        await Expect(home.GetByRole(AriaRole.Heading, new() { Name = "What your campaigns earned", Level = 1 })).ToBeVisibleAsync();
        await Expect(home.GetByTestId("overview-campaigns")).ToHaveTextAsync(overview.GetProperty("campaignsSent").GetInt32().ToString("N0", System.Globalization.CultureInfo.GetCultureInfo("en-US")));
        await Expect(home.GetByTestId("overview-messages")).ToHaveTextAsync(overview.GetProperty("messages").GetInt64().ToString("N0", System.Globalization.CultureInfo.GetCultureInfo("en-US")));
        await Expect(home.GetByTestId("best-row").First).ToBeVisibleAsync();
        Assert.Equal(overview.GetProperty("best").GetArrayLength(), await home.GetByTestId("best-row").CountAsync());
        await BrowserFixture.CheckAsync(home, "home-desktop");

        // Another period is kept in the address: reloading shows the same one.
        await home.GetByTestId("overview-days").SelectOptionAsync("90");
        await Expect(home).ToHaveURLAsync(new System.Text.RegularExpressions.Regex(@"\?days=90$"));
        await home.ReloadAsync();
        await BrowserFixture.WaitInteractiveAsync(home);
        await Expect(home.GetByTestId("overview-days")).ToHaveValueAsync("90");
        await Expect(home.GetByText("Campaigns that started in the last 90 days")).ToBeVisibleAsync();
        var homeSmall = await BrowserFixture.OpenAsync(phone, fixture, "/");
        await Expect(homeSmall.GetByTestId("overview")).ToBeVisibleAsync();
        await BrowserFixture.CheckAsync(homeSmall, "home-phone");

        // The campaigns list has each campaign's attributed revenue.
        var list = await BrowserFixture.OpenAsync(context, fixture, $"/campaigns");
        await list.GetByLabel("Search by name").FillAsync("Results " + city);
        await Expect(list.GetByTestId("campaign-row")).ToHaveCountAsync(1);
        await Expect(list.GetByTestId("campaign-revenue")).ToHaveTextAsync("7,500.00");
    }

    /// <summary>
    /// GET /api/overview once it agrees with a count in SQL (campaigns started in the last 30 days and their SENT
    /// deliveries) and with the sum of those campaigns' results (attributed and incremental revenue, best by incremental).
    /// </summary>
    private async Task<JsonElement> OverviewWhenConsistentAsync(HttpClient api)
    {
        JsonElement overview = default;
        string seen = "";
        await AppHostFixture.EventuallyAsync(async () =>
        {
            overview = await api.GetFromJsonAsync<JsonElement>("/api/overview", Json);
            var from = overview.GetProperty("from").GetDateTimeOffset();
            var ids = await fixture.ListAsync($"SELECT id FROM campaigns WHERE prepared_at >= '{from.UtcDateTime:O}'::timestamptz AND journey_id IS NULL", r => r.GetGuid(0));
            var messages = await fixture.ScalarAsync<long>(
                $"SELECT count(*) FROM communication_logs l JOIN campaigns c ON c.id = l.campaign_id WHERE c.prepared_at >= '{from.UtcDateTime:O}'::timestamptz AND c.journey_id IS NULL AND l.status = 'SENT'");
            decimal attributed = 0, incremental = 0;
            var earned = new List<(Guid Id, decimal Incremental)>();
            foreach (var id in ids)
            {
                var results = await api.GetFromJsonAsync<JsonElement>($"/api/campaigns/{id}/results", Json);
                attributed += results.GetProperty("attributedRevenue").GetDecimal();
                if (results.GetProperty("heldOut").GetProperty("customers").GetInt64() > 0)
                {
                    incremental += results.GetProperty("incrementalRevenue").GetDecimal();
                    earned.Add((id, results.GetProperty("incrementalRevenue").GetDecimal()));
                }
            }

            var best = overview.GetProperty("best").EnumerateArray().Select(b => b.GetProperty("incrementalRevenue").GetDecimal()).ToList();
            seen = $"overview {overview}; counted {ids.Count} campaigns, {messages} messages, {attributed} attributed, {incremental} incremental";
            return overview.GetProperty("campaignsSent").GetInt32() == ids.Count && overview.GetProperty("messages").GetInt64() == messages
                   && overview.GetProperty("attributedRevenue").GetDecimal() == attributed && overview.GetProperty("incrementalRevenue").GetDecimal() == incremental
                   && best.SequenceEqual(earned.Select(e => e.Incremental).Where(e => e > 0).OrderDescending().Take(5));
        }, TimeSpan.FromSeconds(60), () => "the overview to add up: " + seen);
        return overview;
    }
}
