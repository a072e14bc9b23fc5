using System.Net;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using System.Net.Http.Json;
using System.Text.Json;
using MiniCrm.Core.Messaging;
using MiniCrm.ServiceDefaults.Kafka;
using MiniCrm.Tests.Infrastructure;

namespace MiniCrm.Tests.Pipeline;

/// <summary>
/// Pause, resume and cancel on the real pipeline, each campaign over customers of a city of its own and
/// sent slowly (40 a second), so it is mid-dispatch when the marketer acts.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class CampaignControlTests(AppHostFixture fixture)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private const int Audience = 600;
    private const int Earlier = 20;

    [Fact]
    public async Task Pause_stops_dispatch_within_five_seconds_and_resume_completes_it_with_exact_counters()
    {
        using var api = fixture.Api();
        var city = await AddCityAsync(Audience);
        var id = await LaunchSlowAsync(api, "Paused midway", city);
        await SettledAtLeastAsync(api, id, 40);

        var paused = await ActAsync(api, id, "pause", HttpStatusCode.OK);
        Assert.Equal("PAUSED", paused.GetProperty("status").GetString());

        // Everything dispatched before the pause has been consumed (sent or held) and the vendor's queue is empty.
        await DeliveriesDrainedAsync();
        var pausedAt = (await HistoryAsync(api, id)).Last(e => e.Status == "PAUSED").At;
        await AppHostFixture.EventuallyAsync(() => Task.FromResult(DateTimeOffset.UtcNow > pausedAt.AddSeconds(6)), TimeSpan.FromSeconds(30), "the pause to last a while");
        var whilePaused = await api.GetFromJsonAsync<JsonElement>($"/api/campaigns/{id}", Json);
        Assert.Equal("PAUSED", whilePaused.GetProperty("status").GetString());
        Assert.True(whilePaused.GetProperty("pendingCount").GetInt32() > 0, "a paused campaign still has deliveries to send");

        await ActAsync(api, id, "resume", HttpStatusCode.OK);
        var done = await CampaignTests.WaitForCompletionAsync(api, id, TimeSpan.FromMinutes(3));
        var resumedAt = (await HistoryAsync(api, id)).Last(e => e.Status == "RUNNING").At;

        // Exact: every customer of the audience once, settled; nothing reached the vendor from 5 s after the pause until the resume.
        Assert.Equal(Audience, done.AudienceSize);
        Assert.Equal(Audience, done.SentCount + done.FailedCount);
        Assert.Equal(0, done.PendingCount);
        Assert.Equal((long)done.SentCount, await fixture.ScalarAsync<long>($"SELECT count(*) FROM communication_logs WHERE campaign_id = '{id}' AND status = 'SENT'"));
        Assert.Equal((long)done.FailedCount, await fixture.ScalarAsync<long>($"SELECT count(*) FROM communication_logs WHERE campaign_id = '{id}' AND status = 'FAILED'"));
        Assert.Equal(0L, await fixture.ScalarAsync<long>(
            $"SELECT count(*) FROM communication_logs WHERE campaign_id = '{id}' AND delivered_at > '{pausedAt.AddSeconds(5):O}' AND delivered_at < '{resumedAt:O}'"));

        var history = await HistoryAsync(api, id);
        Assert.Equal(["RUNNING", "PAUSED", "RUNNING", "COMPLETED"], history.Select(e => e.Status).ToList());
        Assert.All(history.SkipLast(1), e => Assert.Equal("Test Marketer", e.ByName));
        Assert.Null(history[^1].By);
    }

    [Fact]
    public async Task Cancel_completes_with_sent_failed_and_cancelled_adding_up_to_the_audience()
    {
        using var api = fixture.Api();
        var city = await AddCityAsync(Audience - Earlier);
        // A few customers had a message from an earlier campaign: if this one's is cancelled, that earlier one still counts for smart sending.
        var earlierCity = await AddCityAsync(Earlier);
        var earlier = await CampaignTests.LaunchAsync(api, "Earlier", SavedSegmentTests.CityRules(earlierCity), "Hi {{name}}");
        await CampaignTests.WaitForCompletionAsync(api, earlier.Id, TimeSpan.FromMinutes(2));
        var bothCities = new
        {
            combinator = "OR",
            rules = new[] { new { attribute = "city", @operator = "=", value = city }, new { attribute = "city", @operator = "=", value = earlierCity } },
        };
        var id = (await CampaignTests.LaunchAsync(api, "Cancelled midway", bothCities, "Hi {{name}}", sendRatePerSecond: 40)).Id;
        await SettledAtLeastAsync(api, id, 40);

        var cancelled = await ActAsync(api, id, "cancel", HttpStatusCode.OK);
        Assert.Equal("CANCELLED", cancelled.GetProperty("status").GetString());

        // The Workers mark what was not sent; receipts for what the vendor already had still count.
        JsonElement state = default;
        await AppHostFixture.EventuallyAsync(async () =>
        {
            state = await api.GetFromJsonAsync<JsonElement>($"/api/campaigns/{id}", Json);
            return state.GetProperty("pendingCount").GetInt32() == 0 && state.GetProperty("summary").ValueKind == JsonValueKind.String;
        }, TimeSpan.FromSeconds(60), () => $"the cancelled campaign's counters to settle: {state}");
        await DeliveriesDrainedAsync();
        await fixture.WaitUntilQuietAsync(TimeSpan.FromSeconds(60));

        var final = await api.GetFromJsonAsync<JsonElement>($"/api/campaigns/{id}", Json);
        var (sent, failed, notSent) = (final.GetProperty("sentCount").GetInt32(), final.GetProperty("failedCount").GetInt32(), final.GetProperty("cancelledCount").GetInt32());
        Assert.Equal(Audience, sent + failed + notSent);
        Assert.True(notSent > 0, "a campaign cancelled midway leaves messages unsent");
        Assert.Equal(0, final.GetProperty("pendingCount").GetInt32());
        foreach (var (status, count) in new[] { ("SENT", sent), ("FAILED", failed), ("CANCELLED", notSent) })
        {
            Assert.Equal((long)count, await fixture.ScalarAsync<long>($"SELECT count(*) FROM communication_logs WHERE campaign_id = '{id}' AND status = '{status}'"));
        }

        Assert.StartsWith($"Cancelled midway was cancelled with {notSent} of its {Audience} messages not sent: {sent} delivered and {failed} failed", final.GetProperty("summary").GetString());

        // Smart sending counts only messages that were not cancelled: a customer whose message was cancelled can be
        // reached again, unless an earlier campaign's message in the window still counts for them.
        var notCancelled = await fixture.ScalarAsync<long>(
            $"SELECT count(DISTINCT customer_id) FROM communication_logs WHERE campaign_id IN ('{id}', '{earlier.Id}') AND status <> 'CANCELLED'");
        Assert.True(notCancelled < Audience, "some of the audience had no message that went out");
        var preview = await SavedSegmentTests.SendAsync(api, HttpMethod.Post, "/api/segments/preview", bothCities, HttpStatusCode.OK);
        Assert.Equal((Audience - notCancelled, notCancelled), (preview.GetProperty("count").GetInt64(), preview.GetProperty("excludedForSmartSending").GetInt64()));
        Assert.True(await fixture.ScalarAsync<long>(
            $"""
            SELECT count(*) FROM last_campaign_messages m JOIN communication_logs l ON l.customer_id = m.customer_id AND l.campaign_id = '{id}'
            WHERE l.status = 'CANCELLED' AND m.campaign_id = '{earlier.Id}'
            """) > 0, "a customer of the earlier campaign whose second message was cancelled is remembered by the earlier one");
        Assert.Equal(["RUNNING", "CANCELLED"], (await HistoryAsync(api, id)).Select(e => e.Status).ToList());

        // A finished campaign takes no more actions, and says why.
        foreach (var action in new[] { "cancel", "pause", "resume" })
        {
            using var again = await api.PostAsync($"/api/campaigns/{id}/{action}", null);
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
            Assert.Contains("The campaign is CANCELLED", await again.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task Actions_on_an_unknown_campaign_are_404_on_a_running_one_resume_is_409_and_strangers_get_401()
    {
        using var api = fixture.Api();
        using (var unknown = await api.PostAsync($"/api/campaigns/{Guid.NewGuid()}/pause", null))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }

        var city = await AddCityAsync(50);
        var id = await LaunchSlowAsync(api, "Resumed while running", city);
        var problem = await ActAsync(api, id, "resume", HttpStatusCode.Conflict);
        Assert.Contains("only when it is PAUSED", problem.GetProperty("detail").GetString());
        using var anonymous = fixture.AnonymousApi();
        using (var stranger = await anonymous.PostAsync($"/api/campaigns/{id}/cancel", null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, stranger.StatusCode);
        }

        await CampaignTests.WaitForCompletionAsync(api, id, TimeSpan.FromMinutes(2));
    }

    public sealed record HistoryEntry(string Status, DateTimeOffset At, string? By, string? ByName);

    private static async Task<List<HistoryEntry>> HistoryAsync(HttpClient api, Guid id) =>
        (await api.GetFromJsonAsync<JsonElement>($"/api/campaigns/{id}", Json)).GetProperty("history").Deserialize<List<HistoryEntry>>(Json)!;

    private static async Task<JsonElement> ActAsync(HttpClient api, Guid id, string action, HttpStatusCode expected)
    {
        using var response = await api.PostAsync($"/api/campaigns/{id}/{action}", null);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{action}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static async Task<Guid> LaunchSlowAsync(HttpClient api, string name, string city)
    {
        var rules = new { combinator = "AND", rules = new[] { new { attribute = "city", @operator = "=", value = city } } };
        return (await CampaignTests.LaunchAsync(api, name, rules, "Hi {{name}}", sendRatePerSecond: 40)).Id;
    }

    private static async Task SettledAtLeastAsync(HttpClient api, Guid id, int settled)
    {
        CampaignState? state = null;
        await AppHostFixture.EventuallyAsync(async () =>
        {
            state = await api.GetFromJsonAsync<CampaignState>($"/api/campaigns/{id}", Json);
            return state!.SentCount + state.FailedCount >= settled;
        }, TimeSpan.FromSeconds(90), () => $"{settled} deliveries of {id} to settle (last seen: {state})");
    }

    /// <summary>The delivery consumers have handled every message on campaign-deliveries, and the vendor has nothing queued.</summary>
    private async Task DeliveriesDrainedAsync()
    {
        using var lag = new KafkaConsumerLag((await fixture.App.GetConnectionStringAsync("kafka"))!, KafkaTopics.CampaignDeliveries, ConsumerGroups.Deliveries);
        using var vendor = fixture.WithOpsKey("vendorsim");
        await AppHostFixture.EventuallyAsync(async () =>
            lag.MaxPartitionLag(TimeSpan.FromSeconds(5)) == 0 &&
            (await vendor.GetFromJsonAsync<JsonElement>("/deliveries/stats", Json)).GetProperty("queued").GetInt64() == 0,
            TimeSpan.FromSeconds(60), "the deliveries to be consumed and the vendor's queue to be empty");
    }

    private Task<string> AddCityAsync(int count) => TestCustomers.InNewCityAsync(fixture, "Ctl", count);
}
