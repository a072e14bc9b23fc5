using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MiniCrm.Tests.Infrastructure;

namespace MiniCrm.Tests.Pipeline;

/// <summary>The AI helpers with no model configured: the offline provider answers, and says so.</summary>
[Collection(AppHostCollection.Name)]
public sealed class AiTests(AppHostFixture fixture)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task Rules_from_words_answer_a_valid_rule_group_its_description_and_the_unused_words()
    {
        await IngestDriver.EnsureCustomersAsync(fixture, 100);
        using var api = fixture.Api();
        using var response = await api.PostAsJsonAsync("/api/ai/rules", new { text = "customers in Pune or Mumbai who spent over ₹5,000 and love cricket" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>(Json);
        Assert.Equal("offline", answer.GetProperty("provider").GetString());
        Assert.Equal(["love", "cricket"], answer.GetProperty("unused").EnumerateArray().Select(w => w.GetString()!).ToList());
        Assert.Contains("Pune", answer.GetProperty("description").GetString());

        // The rules are usable as they are: the preview takes them.
        using var preview = await api.PostAsJsonAsync("/api/segments/preview", answer.GetProperty("rules"));
        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
        var count = (await preview.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("count").GetInt64();
        Assert.Equal(await fixture.ScalarAsync<long>("SELECT count(*) FROM customers WHERE lower(city) IN ('pune', 'mumbai') AND total_spend > 5000"), count);
    }

    [Fact]
    public async Task Words_with_no_rule_in_them_get_422_naming_the_words_and_bad_bodies_get_400()
    {
        using var api = fixture.Api();
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
        using var api = fixture.Api();
        var answer = await api.PostAsJsonAsync("/api/ai/messages", new { name = "Diwali dhamaka", objective = "20% off for regulars" });
        var body = await answer.Content.ReadFromJsonAsync<JsonElement>(Json);
        var suggestions = body.GetProperty("suggestions").EnumerateArray().Select(s => s.GetString()!).ToList();
        Assert.Equal(3, suggestions.Count);
        Assert.Equal("offline", body.GetProperty("provider").GetString());
        Assert.Contains(suggestions, s => s.Contains("Diwali"));
        Assert.All(suggestions, s => Assert.DoesNotMatch(@"\{\{(?!name\}\}|email\}\}|city\}\}|phone\}\})", s));
    }
}
