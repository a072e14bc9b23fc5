using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MiniCrm.Tests.Infrastructure;

namespace MiniCrm.Tests.Pipeline;

/// <summary>
/// What the campaign pages read through the API: the list filtered by status and name, the log searched by
/// customer and downloaded as CSV, deliveries over time, and the campaigns that reached one customer.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class CampaignViewsTests(AppHostFixture fixture)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task The_campaign_list_filters_by_status_and_by_words_of_the_name()
    {
        var city = await TestCustomers.InNewCityAsync(fixture, "List", 3);
        using var api = fixture.Api();
        var token = "lst" + Guid.NewGuid().ToString("N")[..8];
        var first = await CampaignTests.LaunchAsync(api, $"Spring 100%_{token} one", SavedSegmentTests.CityRules(city), "Hi {{name}}");
        var second = await CampaignTests.LaunchAsync(api, $"Autumn {token} two", SavedSegmentTests.CityRules(city), "Hi {{name}}");
        await CampaignTests.WaitForCompletionAsync(api, first.Id, TimeSpan.FromSeconds(90));
        await CampaignTests.WaitForCompletionAsync(api, second.Id, TimeSpan.FromSeconds(90));

        Assert.Equal([second.Id, first.Id], await IdsAsync(api, $"/api/campaigns?search={token}"));
        Assert.Equal([second.Id, first.Id], await IdsAsync(api, $"/api/campaigns?search={token.ToUpperInvariant()}&status=COMPLETED"));
        Assert.Empty(await IdsAsync(api, $"/api/campaigns?search={token}&status=running"));
        // % and _ are letters of the name, not wildcards.
        Assert.Equal([first.Id], await IdsAsync(api, $"/api/campaigns?search={Uri.EscapeDataString($"100%_{token}")}"));
        Assert.Empty(await IdsAsync(api, $"/api/campaigns?search={Uri.EscapeDataString($"1%0_{token}")}"));
        Assert.Equal([second.Id], await IdsAsync(api, $"/api/campaigns?search={token}&limit=1"));

        using var badStatus = await api.GetAsync("/api/campaigns?status=DONE");
        Assert.Equal(HttpStatusCode.BadRequest, badStatus.StatusCode);
        Assert.Contains("SCHEDULED, RUNNING, PAUSED, COMPLETED or CANCELLED", (await badStatus.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("errors").GetProperty("status")[0].GetString());
        using var numeric = await api.GetAsync("/api/campaigns?status=1");
        Assert.Equal(HttpStatusCode.BadRequest, numeric.StatusCode);
        using var control = await api.GetAsync("/api/campaigns?search=%07bell");
        Assert.Equal(HttpStatusCode.BadRequest, control.StatusCode);
    }

    [Fact]
    public async Task The_log_is_searched_by_customer_downloaded_whole_as_csv_and_charted_over_time()
    {
        var city = await TestCustomers.InNewCityAsync(fixture, "Log", 12);
        // A name a spreadsheet would run as a formula.
        using (var ingest = fixture.IngestingApi())
        {
            using var submitted = await ingest.PostAsJsonAsync("/api/customers", new[] { new { name = "=HYPERLINK(\"http://evil.test\",\"x\")", email = $"{city}.formula@minicrm.test", city } });
            Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        }

        await AppHostFixture.EventuallyAsync(async () => await fixture.ScalarAsync<long>($"SELECT count(*) FROM customers WHERE city = '{city}'") == 13,
            TimeSpan.FromSeconds(60), "the formula-named customer");
        using var api = fixture.Api();
        var launched = await CampaignTests.LaunchAsync(api, $"Log views {city}", SavedSegmentTests.CityRules(city), "Hi {{name}}, from {{city}}");
        var done = await CampaignTests.WaitForCompletionAsync(api, launched.Id, TimeSpan.FromSeconds(90));

        var found = await api.GetFromJsonAsync<JsonElement>($"/api/campaigns/{launched.Id}/log?search={Uri.EscapeDataString($"customer 7 of {city}")}", Json);
        Assert.Equal([$"Customer 7 of {city}"], found.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("customerName").GetString()).ToList());
        var byEmail = await api.GetFromJsonAsync<JsonElement>($"/api/campaigns/{launched.Id}/log?search={city}.1", Json);
        Assert.Equal(3, byEmail.GetProperty("items").GetArrayLength()); // .1, .10, .11

        using var csv = await api.GetAsync($"/api/campaigns/{launched.Id}/log.csv");
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        Assert.Contains("attachment", csv.Content.Headers.ContentDisposition?.ToString());
        var lines = (await csv.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("customer_id,customer_name,email,phone,message,status,delivered_at,failed_at,failure_reason,attempts", lines[0]);
        Assert.Equal(13, lines.Length - 1);
        Assert.Equal(done.SentCount, lines.Count(l => l.Contains(",SENT,", StringComparison.Ordinal)));
        Assert.Equal(done.FailedCount, lines.Count(l => l.Contains(",FAILED,", StringComparison.Ordinal)));
        var formula = Assert.Single(lines, l => l.Contains("HYPERLINK", StringComparison.Ordinal));
        Assert.Contains(",\"'=HYPERLINK(\"\"http://evil.test\"\",\"\"x\"\")\",", formula);

        var sentOnly = (await api.GetStringAsync($"/api/campaigns/{launched.Id}/log.csv?status=SENT")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(done.SentCount, sentOnly.Length - 1);
        // The download follows the filters on screen: a search, with a status or without.
        var searched = (await api.GetStringAsync($"/api/campaigns/{launched.Id}/log.csv?search={city}.1")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, searched.Length - 1);
        var failedRows = (await api.GetStringAsync($"/api/campaigns/{launched.Id}/log.csv?status=FAILED")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
        Assert.Equal(done.FailedCount, failedRows.Count);
        // A failed delivery has a time it failed at, not one it was delivered at.
        Assert.All(failedRows, row => Assert.Matches(@",FAILED,,\d{4}-\d\d-\d\dT", row));
        Assert.Equal(HttpStatusCode.BadRequest, (await api.GetAsync($"/api/campaigns/{launched.Id}/log.csv?status=LOST")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"/api/campaigns/{Guid.NewGuid()}/log.csv")).StatusCode);

        var timeline = await api.GetFromJsonAsync<JsonElement>($"/api/campaigns/{launched.Id}/timeline", Json);
        Assert.True(timeline.GetProperty("bucketSeconds").GetInt32() >= 1);
        var points = timeline.GetProperty("points").EnumerateArray().ToList();
        Assert.Equal(done.SentCount, points.Sum(p => p.GetProperty("sent").GetInt64()));
        Assert.Equal(done.FailedCount, points.Sum(p => p.GetProperty("failed").GetInt64()));
        // The chart starts where the deliveries do: no bucket before it (they would be drawn off the chart).
        var from = timeline.GetProperty("from").GetDateTimeOffset();
        Assert.All(points, p => Assert.True(p.GetProperty("at").GetDateTimeOffset() >= from, $"a bucket at {p.GetProperty("at")} before {from}"));
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"/api/campaigns/{Guid.NewGuid()}/timeline")).StatusCode);
    }

    [Fact]
    public async Task A_customer_lists_the_campaigns_that_reached_them_newest_first()
    {
        var city = await TestCustomers.InNewCityAsync(fixture, "Reach", 2);
        using var api = fixture.Api();
        var first = await CampaignTests.LaunchAsync(api, $"Reach one {city}", SavedSegmentTests.CityRules(city), "Hi {{name}}");
        await CampaignTests.WaitForCompletionAsync(api, first.Id, TimeSpan.FromSeconds(90));
        var second = await CampaignTests.LaunchAsync(api, $"Reach two {city}", SavedSegmentTests.CityRules(city), "Hi again {{name}}");
        await CampaignTests.WaitForCompletionAsync(api, second.Id, TimeSpan.FromSeconds(90));
        var customer = await fixture.ScalarAsync<Guid>($"SELECT id FROM customers WHERE city = '{city}' AND name = 'Customer 0 of {city}'");

        var reached = (await api.GetFromJsonAsync<JsonElement[]>($"/api/customers/{customer}/campaigns", Json))!;
        Assert.Equal([second.Id, first.Id], reached.Select(r => r.GetProperty("campaignId").GetGuid()).ToList());
        Assert.All(reached, r => Assert.Contains(r.GetProperty("status").GetString(), new[] { "SENT", "FAILED" }));
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"/api/customers/{Guid.NewGuid()}/campaigns")).StatusCode);
    }

    private static async Task<List<Guid>> IdsAsync(HttpClient api, string path)
    {
        using var response = await api.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("id").GetGuid()).ToList();
    }
}
