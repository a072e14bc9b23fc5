using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MiniCrm.Tests.Faults;
using MiniCrm.Tests.Foundation;
using MiniCrm.Tests.Infrastructure;

namespace MiniCrm.Tests.Pipeline;

/// <summary>
/// The four AI jobs with no AI configuration at all (the faults tests' own system sets none): the offline
/// provider answers each, from the actual words, rules and numbers, and says so.
/// </summary>
[Collection(TerminalCollection.Name)]
public sealed class OfflineAiTests(OwnSystem own)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task A_campaign_gets_the_offline_intent_at_launch_and_the_offline_summary_at_completion()
    {
        var fixture = await own.SystemAsync();
        using var api = await MarketerAsync(fixture);
        var rules = new { combinator = "AND", rules = new object[] { new { attribute = "total_spend", @operator = ">=", value = 0 }, new { attribute = "visit", @operator = ">=", value = 0 } } };
        var launched = await CampaignTests.LaunchAsync(api, "Offline words", rules, "Hi {{name}}");
        var view = await api.GetFromJsonAsync<JsonElement>($"/api/campaigns/{launched.Id}", Json);
        Assert.Equal("Customers whose total spend is at least 0 and with at least 0 visits", view.GetProperty("intent").GetString());
        Assert.Equal("offline", view.GetProperty("intentProvider").GetString());

        var done = await CampaignTests.WaitForCompletionAsync(api, launched.Id, TimeSpan.FromMinutes(3));
        view = await api.GetFromJsonAsync<JsonElement>($"/api/campaigns/{launched.Id}", Json);
        Assert.Equal("offline", view.GetProperty("summaryProvider").GetString());
        Assert.StartsWith($"Offline words went to {done.AudienceSize} customers: {done.SentCount} delivered and {done.FailedCount} failed, a delivery success rate of ",
            done.Summary);
        // Nothing waits for a model that is not there.
        Assert.True(await fixture.ScalarAsync<bool>($"SELECT summary_due_at IS NULL FROM campaigns WHERE id = '{launched.Id}'"));
    }

    [Fact]
    public async Task Rules_from_words_answer_a_valid_rule_group_its_description_and_the_unused_words()
    {
        var fixture = await own.SystemAsync();
        using var api = await MarketerAsync(fixture);
        using var response = await api.PostAsJsonAsync("/api/ai/rules", new { text = "customers in Pune or Mumbai who spent over ₹5,000 and love cricket" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>(Json);
        Assert.Equal("offline", answer.GetProperty("provider").GetString());
        Assert.Equal(JsonValueKind.Null, answer.GetProperty("fallback").ValueKind);
        Assert.Equal(["love", "cricket"], answer.GetProperty("unused").EnumerateArray().Select(w => w.GetString()!).ToList());
        Assert.Contains("Pune", answer.GetProperty("description").GetString());

        // The rules are usable as they are: the preview takes them.
        using var preview = await api.PostAsJsonAsync(CampaignTests.PreviewWithoutSmartSending, answer.GetProperty("rules"));
        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
        var count = (await preview.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("count").GetInt64();
        Assert.Equal(await fixture.ScalarAsync<long>("SELECT count(*) FROM customers WHERE lower(city) IN ('pune', 'mumbai') AND total_spend > 5000"), count);
    }

    [Fact]
    public async Task Words_with_no_rule_in_them_get_422_naming_the_words_and_bad_bodies_get_400()
    {
        var fixture = await own.SystemAsync();
        using var api = await MarketerAsync(fixture);
        using var nothing = await api.PostAsJsonAsync("/api/ai/rules", new { text = "people who like blue" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, nothing.StatusCode);
        Assert.Contains("like, blue", await nothing.Content.ReadAsStringAsync());

        using var empty = await api.PostAsJsonAsync("/api/ai/rules", new { text = "" });
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        using var nul = await api.PostAsync("/api/ai/messages", new StringContent("""{"name":"A\u0000"}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, nul.StatusCode);
        using var anonymous = fixture.AnonymousApi();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/api/ai/rules", new { text = "in Pune" })).StatusCode);
    }

    [Fact]
    public async Task Message_suggestions_are_three_templates_of_the_allowed_placeholders()
    {
        var fixture = await own.SystemAsync();
        using var api = await MarketerAsync(fixture);
        using var answer = await api.PostAsJsonAsync("/api/ai/messages", new { name = "Diwali dhamaka", objective = "20% off for regulars" });
        var body = await answer.Content.ReadFromJsonAsync<JsonElement>(Json);
        var suggestions = body.GetProperty("suggestions").EnumerateArray().Select(s => s.GetProperty("text").GetString()!).ToList();
        Assert.Equal(3, suggestions.Count);
        Assert.Equal("offline", body.GetProperty("provider").GetString());
        Assert.All(body.GetProperty("suggestions").EnumerateArray(), s => Assert.Equal("offline", s.GetProperty("provider").GetString()));
        Assert.Contains(suggestions, s => s.Contains("Diwali"));
        Assert.All(suggestions, s => Assert.DoesNotMatch(@"\{\{(?!name\}\}|email\}\}|city\}\}|phone\}\})", s));
    }

    /// <summary>A marketer of this test's own: the system's low launch limit is per marketer, and RateLimitTests spend theirs.</summary>
    private static async Task<HttpClient> MarketerAsync(AppHostFixture fixture)
    {
        var api = fixture.AnonymousApi();
        api.DefaultRequestHeaders.Add("Cookie", await fixture.SignInAsync($"offline.ai.{Guid.NewGuid():N}@minicrm.test", "Offline Marketer"));
        return api;
    }
}
