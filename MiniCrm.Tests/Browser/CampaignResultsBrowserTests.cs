using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using MiniCrm.Tests.Infrastructure;
using MiniCrm.Tests.Pipeline;
using static Microsoft.Playwright.Assertions;

namespace MiniCrm.Tests.Browser;

/// <summary>A campaign's Results panel after its customers bought: the groups, the lift drawn with its interval, the verdict.</summary>
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

        await using var context = await browser.SignedInAsync(fixture);
        var page = await BrowserFixture.OpenAsync(context, fixture, $"/campaigns/{id}");
        var panel = page.GetByTestId("results");
        await Expect(panel).ToBeVisibleAsync();
        await Expect(page.GetByTestId("results-messaged")).ToContainTextAsync("30");
        await Expect(page.GetByTestId("results-held-out")).ToContainTextAsync("2");
        await Expect(page.GetByTestId("attributed-revenue")).ToContainTextAsync("7,500.00");
        await Expect(page.GetByTestId("verdict")).ToContainTextAsync("Too early to tell"); // the groups are small, the window open
        await Expect(panel.GetByRole(AriaRole.Img)).ToHaveAttributeAsync("aria-label", new System.Text.RegularExpressions.Regex("^Conversion lift"));
        await Expect(page.GetByTestId("held-out")).ToBeVisibleAsync();
        await BrowserFixture.CheckAsync(page, "campaign-results-desktop");

        await using var phone = await browser.SignedInAsync(fixture, BrowserFixture.Phone);
        var small = await BrowserFixture.OpenAsync(phone, fixture, $"/campaigns/{id}");
        await Expect(small.GetByTestId("results")).ToBeVisibleAsync();
        await BrowserFixture.CheckAsync(small, "campaign-results-phone");
    }
}
