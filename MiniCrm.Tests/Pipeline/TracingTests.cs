using MiniCrm.Tests.Infrastructure;

namespace MiniCrm.Tests.Pipeline;

[Collection(AppHostCollection.Name)]
public sealed class TracingTests(AppHostFixture fixture)
{
    [Fact]
    public async Task One_campaign_is_one_trace_across_the_api_workers_and_vendor()
    {
        await IngestDriver.EnsureCustomersAsync(fixture, 100);
        using var api = fixture.Api();
        var campaign = await CampaignTests.LaunchAsync(api, "Traced", new { combinator = "AND", rules = new object[] { new { attribute = "visit", @operator = ">=", value = 0 } } }, "Hi {{name}}");
        await CampaignTests.WaitForCompletionAsync(api, campaign.Id, TimeSpan.FromMinutes(3));

        var traceId = await fixture.ScalarAsync<string>($"SELECT split_part(trace_parent, '-', 2) FROM campaigns WHERE id = '{campaign.Id}'");
        Assert.Matches("^[0-9a-f]{32}$", traceId);

        string[] expected = ["api", "workers", "vendorsim"];
        await AppHostFixture.EventuallyAsync(
            () => Task.FromResult(expected.All(service => fixture.Telemetry.Spans.Any(s => s.TraceId == traceId && s.Service == service))),
            TimeSpan.FromSeconds(30),
            $"spans of api, workers and vendorsim in trace {traceId}; seen: " +
            string.Join(", ", fixture.Telemetry.Spans.Where(s => s.TraceId == traceId).Select(s => $"{s.Service}:{s.Name}").Distinct()));

        var spans = fixture.Telemetry.Spans.Where(s => s.TraceId == traceId).ToList();
        Assert.Contains(spans, s => s.Service == "api" && s.Name.Contains("/api/campaigns"));
        Assert.Contains(spans, s => s.Service == "workers" && s.Name == "dispatch campaign");
        Assert.Contains(spans, s => s.Service == "workers" && s.Name == "deliver to vendor");
        Assert.Contains(spans, s => s.Service == "vendorsim" && s.Name.Contains("deliveries"));
        Assert.Contains(spans, s => s.Service == "api" && s.Name.Contains("/api/receipts"));
    }
}
