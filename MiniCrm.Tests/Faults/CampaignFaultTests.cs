using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using MiniCrm.Tests.Infrastructure;
using MiniCrm.Tests.Pipeline;

namespace MiniCrm.Tests.Faults;

public sealed record VendorStats(long Messaged, long DuplicatesDropped, long ReceiptsResent, long Queued);

/// <summary>
/// Every campaign finishes, whatever happens between the dispatcher and the receipt. The shared
/// system's vendor loses 2% of its receipts, and its Workers re-dispatch after 3 quiet seconds.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class CampaignFaultTests(AppHostFixture fixture)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly object Everyone = new { combinator = "AND", rules = Array.Empty<object>() };

    [Fact]
    public async Task Deliveries_whose_receipts_are_lost_are_dispatched_again_and_no_customer_is_messaged_twice()
    {
        await IngestDriver.EnsureCustomersAsync(fixture, 1_500);
        using var api = fixture.Api();
        using var vendor = fixture.WithOpsKey("vendorsim");
        var before = await vendor.GetFromJsonAsync<VendorStats>("/deliveries/stats", Json);

        var campaign = await CampaignTests.LaunchAsync(api, "Lost receipts", Everyone, "Hi {{name}}");
        var done = await CampaignTests.WaitForCompletionAsync(api, campaign.Id, TimeSpan.FromMinutes(3));
        await AssertExactAsync(done);

        var after = await vendor.GetFromJsonAsync<VendorStats>("/deliveries/stats", Json);
        Assert.Equal(done.AudienceSize, after!.Messaged - before!.Messaged); // each customer once
        Assert.True(after.ReceiptsResent > before.ReceiptsResent, "no receipt was lost and asked for again: the test proved nothing");
        Assert.True(await fixture.ScalarAsync<long>($"SELECT count(*) FROM communication_logs WHERE campaign_id = '{done.Id}' AND attempts > 1") > 0);
        Assert.Equal(0L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM communication_logs WHERE campaign_id = '{done.Id}' AND failure_reason LIKE 'No receipt%'"));

        // The log shows how often each delivery went out.
        var log = await api.GetFromJsonAsync<JsonElement>($"/api/campaigns/{done.Id}/log?limit=500", Json);
        Assert.All(log.GetProperty("items").EnumerateArray(), row => Assert.InRange(row.GetProperty("attempts").GetInt32(), 1, 5));
    }

    [Fact]
    public async Task A_vendor_that_is_away_mid_campaign_fails_nothing_and_the_campaign_completes_when_it_is_back()
    {
        await IngestDriver.EnsureCustomersAsync(fixture, 1_500);
        using var api = fixture.Api();
        var audience = (await (await api.PostAsJsonAsync(CampaignTests.PreviewWithoutSmartSending, Everyone)).Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("count").GetInt32();

        // About ten seconds of sending, so the vendor goes away mid-campaign.
        var campaign = await CampaignTests.LaunchAsync(api, "Vendor outage", Everyone, "Hello {{name}}!", sendRatePerSecond: Math.Max(150, audience / 10));
        await AppHostFixture.EventuallyAsync(async () =>
        {
            var state = await api.GetFromJsonAsync<CampaignState>($"/api/campaigns/{campaign.Id}", Json);
            return state!.SentCount + state.FailedCount > 0;
        }, TimeSpan.FromMinutes(2), "the first receipts");

        using var stuckLines = new ResourceLogWatch(fixture.App, "workers", line => line.Contains(campaign.Id.ToString()) && line.Contains("has had no receipt"));
        var commands = fixture.App.Services.GetRequiredService<ResourceCommandService>();
        var stopped = await commands.ExecuteCommandAsync("vendorsim", KnownResourceCommands.StopCommand);
        Assert.True(stopped.Success, stopped.Message);
        await fixture.App.ResourceNotifications.WaitForResourceAsync("vendorsim", e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text));

        // Away for longer than a vendor request's retries last (90 s in all); meanwhile nothing is FAILED for it.
        var away = DateTime.UtcNow.AddSeconds(100);
        while (DateTime.UtcNow < away)
        {
            Assert.Equal(0L, await fixture.ScalarAsync<long>(
                $"SELECT count(*) FROM communication_logs WHERE campaign_id = '{campaign.Id}' AND status = 'FAILED' AND failure_reason NOT IN {VendorFailureReasons}"));
            await Task.Delay(TimeSpan.FromSeconds(2));
        }

        var midway = await api.GetFromJsonAsync<CampaignState>($"/api/campaigns/{campaign.Id}", Json);
        Assert.True(midway!.PendingCount > 0, "the campaign finished while the vendor was away; the test proved nothing");

        // Ops see it: the Workers' health is degraded while the campaign makes no progress.
        using var workers = fixture.App.CreateHttpClient("workers");
        Assert.Equal("Degraded", await workers.GetStringAsync("/health"));
        await AppHostFixture.EventuallyAsync(() => Task.FromResult(stuckLines.Count > 0), TimeSpan.FromSeconds(10), "the Workers to log the stuck campaign");
        // Probed every few seconds for the whole outage, and logged once, when it got stuck.
        Assert.True(stuckLines.Count == 1, $"the stuck campaign should be logged once, not at every health probe; logged:\n{stuckLines}");

        await fixture.StartAgainAsync("vendorsim");

        var done = await CampaignTests.WaitForCompletionAsync(api, campaign.Id, TimeSpan.FromMinutes(4));
        await AssertExactAsync(done);
        Assert.InRange((double)done.FailedCount / done.AudienceSize, 0.03, 0.20); // the configured 10%, not inflated by the outage
        await AppHostFixture.EventuallyAsync(async () => await workers.GetStringAsync("/health") == "Healthy", TimeSpan.FromSeconds(30), "the Workers to be healthy again");
        Assert.Equal(0L, await fixture.ScalarAsync<long>(
            $"SELECT count(*) FROM communication_logs WHERE campaign_id = '{campaign.Id}' AND failure_reason NOT IN {VendorFailureReasons}"));
    }

    [Fact]
    public async Task A_campaign_row_that_cannot_be_parsed_is_completed_unsent_and_later_campaigns_still_go_out()
    {
        await IngestDriver.EnsureCustomersAsync(fixture, 10);
        var broken = Guid.NewGuid();
        await fixture.ScalarAsync<int>($$"""
            INSERT INTO campaigns (id, name, created_by, segment, intent, message, audience_size, status, pending_count, sent_count, failed_count, created_at)
            VALUES ('{{broken}}', 'Edited by hand', 'test', '{"combinator": "XOR", "rules": []}', 'x', '', 10, 'RUNNING', 10, 0, 0, now() - interval '1 minute')
            RETURNING 1
            """);

        using var api = fixture.Api();
        var after = await CampaignTests.LaunchAsync(api, "After the broken one", Everyone, "Hi {{name}}");
        var done = await CampaignTests.WaitForCompletionAsync(api, after.Id, TimeSpan.FromMinutes(3));
        await AssertExactAsync(done);

        var stuck = await CampaignTests.WaitForCompletionAsync(api, broken, TimeSpan.FromSeconds(30));
        Assert.Equal(0, stuck.AudienceSize + stuck.PendingCount + stuck.SentCount + stuck.FailedCount);
        Assert.Contains("invalid", stuck.Summary);
        Assert.Contains("rules.combinator", stuck.Summary);
        await fixture.App.ResourceNotifications.WaitForResourceHealthyAsync("workers").WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>The reasons VendorSim gives for a failed delivery: the only FAILED a vendor outage may leave.</summary>
    private const string VendorFailureReasons =
        "('Recipient mailbox unavailable', 'Number not reachable', 'Rejected by carrier', 'Message blocked as spam')";

    private Task AssertExactAsync(CampaignState done) => CampaignTests.AssertExactAsync(fixture, done);
}
