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

        // Each service exports in its own batches, so wait for the whole set rather than the first of each.
        (string Service, Func<string, bool> Name, string What)[] expected =
        [
            ("api", n => n.Contains("/api/campaigns"), "the launch request"),
            ("workers", n => n == "prepare campaign", "preparing the audience"),
            ("workers", n => n == "dispatch campaign", "dispatching"),
            ("workers", n => n == "deliver to vendor", "handing deliveries to the vendor"),
            ("vendorsim", n => n.Contains("/deliveries"), "the vendor accepting them"),
            ("vendorsim", n => n == "send receipts", "the vendor's receipt webhook"),
            ("api", n => n.Contains("/api/receipts"), "the receipts arriving"),
        ];

        List<CollectedSpan> Trace() => [.. fixture.Telemetry.Spans.Where(s => s.TraceId == traceId)];
        await AppHostFixture.EventuallyAsync(
            () => Task.FromResult(expected.All(e => Trace().Any(s => s.Service == e.Service && e.Name(s.Name)))),
            TimeSpan.FromSeconds(60),
            () => $"in trace {traceId}: " +
                  string.Join("; ", expected.Where(e => !Trace().Any(s => s.Service == e.Service && e.Name(s.Name))).Select(e => $"{e.Service}: {e.What}")) +
                  " — seen: " + string.Join(", ", Trace().Select(s => $"{s.Service}:{s.Name}").Distinct()));

        // Kafka carried the context: the deliveries span continues the dispatch span's trace through campaign-deliveries.
        Assert.Contains(Trace(), s => s.Service == "workers" && s.Name == "send campaign-deliveries");
    }

    /// <summary>
    /// The dashboard's trace list shows work, not polling: the outbox, the reconciler, the lag watchers
    /// and the health checks look several times a second, and none of those looks may start a trace
    /// (it used to be about 900 "postgresql" traces in two minutes, burying the campaigns).
    /// </summary>
    [Fact]
    public async Task Looking_for_work_starts_no_trace_only_work_does()
    {
        await IngestDriver.EnsureCustomersAsync(fixture, 100);
        using var api = fixture.Api();
        var campaign = await CampaignTests.LaunchAsync(api, "Traced among idle polls", new { combinator = "AND", rules = Array.Empty<object>() }, "Hi {{name}}");
        await CampaignTests.WaitForCompletionAsync(api, campaign.Id, TimeSpan.FromMinutes(3));
        // By now the system has polled for tens of seconds: hundreds of idle looks, and their spans would have been exported.
        await AppHostFixture.EventuallyAsync(
            () => Task.FromResult(fixture.Telemetry.Spans.Any(s => s.Service == "workers" && s.Name == "dispatch campaign")),
            TimeSpan.FromSeconds(60), "the Workers' spans to be exported");

        var idle = fixture.Telemetry.Spans.Where(s => s.IsRoot && !IsWork(s.Name)).ToList();
        Assert.True(idle.Count == 0, $"{idle.Count} root spans that are not work:\n" + string.Join("\n", idle.Select(s => s.ToString()).Distinct()));
    }

    private static bool IsWork(string name) =>
        name.StartsWith("process ", StringComparison.Ordinal) || name.StartsWith("send ", StringComparison.Ordinal) ||
        name is "prepare campaign" or "dispatch campaign" or "reconcile campaign" or "summarise campaign" or "finish cancelled campaign" or "import file" or "deliver to vendor" or "send receipts"
            or "attribute orders" or "finalise campaign results" or "run journey steps" or "start journey" or "journey inactivity timers" ||
        name.StartsWith("migrate ", StringComparison.Ordinal) ||
        // What a marketer did on a page of the web app: its circuit has no HTTP request per click, so ASP.NET Core
        // traces the hub's calls, the routes and the events, and the page's own operations are "web Page.Action".
        name.StartsWith("web ", StringComparison.Ordinal) || name.StartsWith("Route ", StringComparison.Ordinal) ||
        name.StartsWith("Event ", StringComparison.Ordinal) || name.StartsWith("Circuit ", StringComparison.Ordinal) ||
        name.StartsWith("Microsoft.AspNetCore.Components.Server.ComponentHub/", StringComparison.Ordinal) ||
        // A request someone made (the health probes are not traced at all).
        // ("GET" alone is a request that matched no route.)
        new[] { "GET", "POST", "PUT", "PATCH", "DELETE" }.Any(method => name == method || name.StartsWith(method + " ", StringComparison.Ordinal));
}
