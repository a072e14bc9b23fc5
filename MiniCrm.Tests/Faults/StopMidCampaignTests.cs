using System.Net.Http.Json;
using System.Text.Json;
using MiniCrm.Tests.Foundation;
using MiniCrm.Tests.Infrastructure;
using MiniCrm.Tests.Pipeline;
using Xunit.Abstractions;

namespace MiniCrm.Tests.Faults;

/// <summary>
/// The whole system stopped in the middle of a campaign (an orderly stop, as Ctrl+C and the IDE give)
/// and started again on the same data: the campaign completes, with exact counters.
/// </summary>
[Collection(TerminalCollection.Name)]
public sealed class StopMidCampaignTests(ITestOutputHelper output) : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly string _dataRoot = Path.Combine(Path.GetTempPath(), "minicrm-stop-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task A_campaign_interrupted_by_a_stop_completes_exactly_after_the_restart()
    {
        CampaignState midway;
        Guid campaign;
        await using (var first = await AppHostFixture.StartAsync(_dataRoot, Quick))
        {
            await IngestDriver.EnsureCustomersAsync(first, 3_000);
            using var api = first.Api();
            var audience = (await (await api.PostAsJsonAsync(CampaignTests.PreviewWithoutSmartSending, new { combinator = "AND", rules = Array.Empty<object>() })).Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("count").GetInt32();
            // About twenty seconds of sending, so the stop lands mid-campaign.
            var launched = await CampaignTests.LaunchAsync(api, "Through a stop", new { combinator = "AND", rules = Array.Empty<object>() }, "Hi {{name}}", sendRatePerSecond: Math.Max(100, audience / 20));
            campaign = launched.Id;
            await AppHostFixture.EventuallyAsync(async () =>
            {
                var state = await api.GetFromJsonAsync<CampaignState>($"/api/campaigns/{campaign}", Json);
                return state!.SentCount + state.FailedCount > 0;
            }, TimeSpan.FromMinutes(2), "the first receipts");
            midway = (await api.GetFromJsonAsync<CampaignState>($"/api/campaigns/{campaign}", Json))!;
            Assert.True(midway.PendingCount > midway.AudienceSize / 2, $"the campaign is nearly done before the stop; the test would prove little ({midway})");
        }

        await using var second = await AppHostFixture.StartAsync(_dataRoot, Quick);
        var afterStop = await second.ScalarAsync<long>($"SELECT (sent_count + failed_count)::bigint FROM campaigns WHERE id = '{campaign}'");
        output.WriteLine($"before the stop: {midway.SentCount + midway.FailedCount} settled; after it: {afterStop}");
        using var restarted = second.Api();
        var done = await CampaignTests.WaitForCompletionAsync(restarted, campaign, TimeSpan.FromMinutes(4));
        output.WriteLine(done.ToString());
        await CampaignTests.AssertExactAsync(second, done);
        Assert.Equal(midway.AudienceSize, done.AudienceSize);
    }

    /// <summary>The reconciler asks again after 3 quiet seconds, as in the shared system.</summary>
    private static void Quick(Aspire.Hosting.Testing.IDistributedApplicationTestingBuilder builder) =>
        AppHostFixture.Configure(builder, "workers", ("Reconcile__ReceiptTimeoutSeconds", "3"), ("Reconcile__IntervalSeconds", "1"));

    public void Dispose() => TestAppHost.DeleteDataRoot(_dataRoot);
}
