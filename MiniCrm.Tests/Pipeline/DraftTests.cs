using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MiniCrm.Tests.Infrastructure;

namespace MiniCrm.Tests.Pipeline;

/// <summary>Work is not lost: drafts kept server-side and launched once, and scheduled campaigns changed before they start.</summary>
[Collection(AppHostCollection.Name)]
public sealed class DraftTests(AppHostFixture fixture)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task A_draft_is_kept_listed_changed_and_launched_once_even_by_two_launches_at_once()
    {
        var city = await TestCustomers.InNewCityAsync(fixture, "Draft", 3);
        using var api = fixture.Api();
        var content = new { name = $"Draft for {city}", message = "Hi {{first_name}}", rules = SavedSegmentTests.CityRules(city), audience = "rules", objective = "say hello" };
        var draft = await SavedSegmentTests.SendAsync(api, HttpMethod.Post, "/api/campaigns/drafts", content, HttpStatusCode.Created);
        var id = draft.GetProperty("id").GetGuid();
        Assert.Equal("say hello", draft.GetProperty("content").GetProperty("objective").GetString());

        var listed = await api.GetFromJsonAsync<JsonElement>("/api/campaigns/drafts?limit=100", Json);
        Assert.Contains(listed.GetProperty("items").EnumerateArray(), d => d.GetProperty("id").GetGuid() == id);

        var changed = await SavedSegmentTests.SendAsync(api, HttpMethod.Put, $"/api/campaigns/drafts/{id}", content with { message = "Hello {{first_name}}!" }, HttpStatusCode.OK);
        Assert.Equal("Hello {{first_name}}!", changed.GetProperty("content").GetProperty("message").GetString());
        Assert.Equal("Test Marketer", changed.GetProperty("updatedByName").GetString());

        // What the database cannot keep is refused, naming where it is.
        var nul = await SavedSegmentTests.SendAsync(api, HttpMethod.Put, $"/api/campaigns/drafts/{id}", new { name = "x\u0000" }, HttpStatusCode.BadRequest);
        Assert.True(nul.GetProperty("errors").TryGetProperty("name", out _), nul.ToString());
        await SavedSegmentTests.SendAsync(api, HttpMethod.Post, "/api/campaigns/drafts", new[] { 1, 2 }, HttpStatusCode.BadRequest);

        // Two launches of the draft at once (two tabs, a double click): one campaign, and both answers name it.
        var launch = new { name = content.name, message = "Hello {{first_name}}!", rules = content.rules, draftId = id };
        var answers = await Task.WhenAll(Enumerable.Range(0, 2).Select(async _ =>
        {
            using var response = await api.PostAsJsonAsync("/api/campaigns", launch);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            return (await response.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("id").GetGuid();
        }));
        Assert.Equal(answers[0], answers[1]);
        Assert.Equal(1L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM campaigns WHERE name = '{content.name}'"));

        // Launched, it leaves the drafts, remembers its campaign, and no longer changes.
        var after = await api.GetFromJsonAsync<JsonElement>($"/api/campaigns/drafts/{id}", Json);
        Assert.Equal(answers[0], after.GetProperty("campaignId").GetGuid());
        var listedAfter = await api.GetFromJsonAsync<JsonElement>("/api/campaigns/drafts?limit=100", Json);
        Assert.DoesNotContain(listedAfter.GetProperty("items").EnumerateArray(), d => d.GetProperty("id").GetGuid() == id);
        await SavedSegmentTests.SendAsync(api, HttpMethod.Put, $"/api/campaigns/drafts/{id}", content, HttpStatusCode.Conflict);

        var done = await CampaignTests.WaitForCompletionAsync(api, answers[0], TimeSpan.FromMinutes(2));
        Assert.Equal(3, done.AudienceSize);
        Assert.Equal(3L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM communication_logs WHERE campaign_id = '{done.Id}' AND personalized_msg = 'Hello Customer!'"));
        await SavedSegmentTests.SendAsync(api, HttpMethod.Delete, $"/api/campaigns/drafts/{id}", null, HttpStatusCode.NoContent);
        await SavedSegmentTests.SendAsync(api, HttpMethod.Get, $"/api/campaigns/drafts/{id}", null, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_scheduled_campaign_is_changed_before_it_starts_and_a_started_one_is_not()
    {
        var city = await TestCustomers.InNewCityAsync(fixture, "Edit", 2);
        var other = await TestCustomers.InNewCityAsync(fixture, "Edited", 4);
        using var api = fixture.Api();
        var inAnHour = DateTimeOffset.UtcNow.AddHours(1);
        var scheduled = await SavedSegmentTests.SendAsync(api, HttpMethod.Post, "/api/campaigns", new
        {
            name = $"Later for {city}", rules = SavedSegmentTests.CityRules(city), message = "Hi {{name}}", sendAt = inAnHour.ToString("O"),
        }, HttpStatusCode.Created);
        var id = scheduled.GetProperty("id").GetGuid();

        // Everything a launch takes may change while it waits; a time is required (it stays scheduled).
        var noTime = await SavedSegmentTests.SendAsync(api, HttpMethod.Put, $"/api/campaigns/{id}",
            new { name = "x", rules = SavedSegmentTests.CityRules(other), message = "Hi" }, HttpStatusCode.BadRequest);
        Assert.True(noTime.GetProperty("errors").TryGetProperty("sendAt", out _), noTime.ToString());
        var later = DateTimeOffset.UtcNow.AddHours(2);
        var edited = await SavedSegmentTests.SendAsync(api, HttpMethod.Put, $"/api/campaigns/{id}", new
        {
            name = $"Later for {other}", rules = SavedSegmentTests.CityRules(other), message = "Hello {{first_name}}", smartSending = false,
            sendAt = TimeZoneInfo.ConvertTime(later, TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin")).ToString("yyyy-MM-ddTHH:mm:ss"), timeZone = "Europe/Berlin",
        }, HttpStatusCode.OK);
        Assert.Equal(($"Later for {other}", "Hello {{first_name}}", false, "SCHEDULED", "Europe/Berlin"),
            (edited.GetProperty("name").GetString(), edited.GetProperty("message").GetString(), edited.GetProperty("smartSending").GetBoolean(),
             edited.GetProperty("status").GetString(), edited.GetProperty("timeZone").GetString()));
        Assert.Equal(later.ToUnixTimeSeconds(), edited.GetProperty("sendAt").GetDateTimeOffset().ToUnixTimeSeconds());
        Assert.Contains(other, edited.GetProperty("segment").GetRawText());

        // Once it has started (here: cancelled), it no longer changes.
        await SavedSegmentTests.SendAsync(api, HttpMethod.Post, $"/api/campaigns/{id}/cancel", null, HttpStatusCode.OK);
        var refused = await SavedSegmentTests.SendAsync(api, HttpMethod.Put, $"/api/campaigns/{id}", new
        {
            name = "Too late", rules = SavedSegmentTests.CityRules(other), message = "Hi", sendAt = later.ToString("O"),
        }, HttpStatusCode.Conflict);
        Assert.Contains("CANCELLED", refused.GetProperty("detail").GetString());
        await SavedSegmentTests.SendAsync(api, HttpMethod.Put, $"/api/campaigns/{Guid.NewGuid()}", new
        {
            name = "Nobody's", rules = SavedSegmentTests.CityRules(other), message = "Hi", sendAt = later.ToString("O"),
        }, HttpStatusCode.NotFound);
    }
}
