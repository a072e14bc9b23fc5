using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MiniCrm.Tests.Infrastructure;

namespace MiniCrm.Tests.Pipeline;

/// <summary>Saved audiences: created, counted, found, renamed, edited, used by campaigns (which keep their own copy), deleted.</summary>
[Collection(AppHostCollection.Name)]
public sealed class SavedSegmentTests(AppHostFixture fixture)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task A_saved_audience_is_counted_found_edited_and_a_campaign_keeps_the_rules_it_used()
    {
        using var api = fixture.Api();
        var city = await CustomersOfAsync(fixture, 5);
        var name = $"Regulars of {city}";
        var created = await SendAsync(api, HttpMethod.Post, "/api/segments", new { name, rules = CityRules(city) }, HttpStatusCode.Created);
        var id = created.GetProperty("id").GetGuid();
        Assert.Equal(5, created.GetProperty("count").GetInt64());
        Assert.Equal($"Customers in {city}", created.GetProperty("description").GetString());

        // One name, whatever its case.
        var taken = await SendAsync(api, HttpMethod.Post, "/api/segments", new { name = name.ToUpperInvariant(), rules = CityRules(city) }, HttpStatusCode.Conflict);
        Assert.Equal("The name is taken", taken.GetProperty("title").GetString());

        // Found by a part of its name; a % in a search is a letter.
        var found = await api.GetFromJsonAsync<JsonElement>($"/api/segments?search={Uri.EscapeDataString(city[3..])}", Json);
        Assert.Equal(id, Assert.Single(found.GetProperty("items").EnumerateArray()).GetProperty("id").GetGuid());
        Assert.Empty((await api.GetFromJsonAsync<JsonElement>($"/api/segments?search={Uri.EscapeDataString(city + "%")}", Json)).GetProperty("items").EnumerateArray());

        // Reading one counts it afresh.
        await AddCustomersAsync(fixture, city, 5, 1);
        var counted = await api.GetFromJsonAsync<JsonElement>($"/api/segments/{id}", Json);
        Assert.Equal(6, counted.GetProperty("count").GetInt64());
        Assert.True(counted.GetProperty("countedAt").GetDateTimeOffset() > created.GetProperty("countedAt").GetDateTimeOffset());

        // A campaign for the saved audience records the exact rules it used.
        using var launch = await api.PostAsJsonAsync("/api/campaigns", new { name = $"For {name}", segmentId = id, message = "Hi {{name}}" });
        Assert.Equal(HttpStatusCode.Created, launch.StatusCode);
        var campaign = await launch.Content.ReadFromJsonAsync<JsonElement>(Json);
        Assert.Equal(id, campaign.GetProperty("segmentId").GetGuid());
        Assert.Equal(6, campaign.GetProperty("audienceSize").GetInt32());

        var renamed = await SendAsync(api, HttpMethod.Put, $"/api/segments/{id}",
            new { name = name + " (big spenders)", rules = new { combinator = "AND", rules = new object[] { CityRule(city), new { attribute = "total_spend", @operator = ">", value = 1000 } } } },
            HttpStatusCode.OK);
        Assert.Equal(name + " (big spenders)", renamed.GetProperty("name").GetString());
        Assert.Equal(0, renamed.GetProperty("count").GetInt64());
        var done = await CampaignTests.WaitForCompletionAsync(api, campaign.GetProperty("id").GetGuid(), TimeSpan.FromMinutes(2));
        var after = await api.GetFromJsonAsync<JsonElement>($"/api/campaigns/{done.Id}", Json);
        Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(JsonSerializer.SerializeToNode(CityRules(city), Json), System.Text.Json.Nodes.JsonNode.Parse(after.GetProperty("segment").GetRawText())),
            after.GetProperty("segment").GetRawText());
        Assert.Equal(6, done.SentCount + done.FailedCount);

        using (var deleted = await api.DeleteAsync($"/api/segments/{id}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        using (var gone = await api.GetAsync($"/api/segments/{id}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }

        // The campaign outlives the audience it was launched for.
        Assert.Equal(JsonValueKind.Null, (await api.GetFromJsonAsync<JsonElement>($"/api/campaigns/{done.Id}", Json)).GetProperty("segmentId").ValueKind);
    }

    [Fact]
    public async Task An_audience_used_by_a_scheduled_campaign_cannot_be_deleted_until_the_campaign_is_cancelled()
    {
        using var api = fixture.Api();
        var city = await CustomersOfAsync(fixture, 2);
        var segment = await SendAsync(api, HttpMethod.Post, "/api/segments", new { name = $"Scheduled for {city}", rules = CityRules(city) }, HttpStatusCode.Created);
        var id = segment.GetProperty("id").GetGuid();
        var scheduled = await SendAsync(api, HttpMethod.Post, "/api/campaigns",
            new { name = $"Later for {city}", segmentId = id, message = "Hi {{name}}", sendAt = DateTimeOffset.UtcNow.AddHours(3).ToString("O") }, HttpStatusCode.Created);
        Assert.Equal("SCHEDULED", scheduled.GetProperty("status").GetString());

        var refused = await SendAsync(api, HttpMethod.Delete, $"/api/segments/{id}", null, HttpStatusCode.Conflict);
        Assert.Contains($"'Later for {city}'", refused.GetProperty("detail").GetString());

        await SendAsync(api, HttpMethod.Post, $"/api/campaigns/{scheduled.GetProperty("id").GetGuid()}/cancel", null, HttpStatusCode.OK);
        using var deleted = await api.DeleteAsync($"/api/segments/{id}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
    }

    [Theory]
    [InlineData("""{"rules":{"combinator":"AND","rules":[]}}""", "name")]
    [InlineData("""{"name":"No rules"}""", "rules")]
    [InlineData("""{"name":"Bad rules","rules":{"combinator":"XOR","rules":[]}}""", "rules.combinator")]
    [InlineData("""[1,2]""", "body")]
    public async Task A_saved_audience_with_bad_fields_is_400_naming_the_field(string body, string field)
    {
        using var api = fixture.Api();
        using var response = await api.PostAsync("/api/segments", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task A_campaign_takes_rules_or_a_known_saved_audience_not_both()
    {
        using var api = fixture.Api();
        var both = await SendAsync(api, HttpMethod.Post, "/api/campaigns",
            new { name = "Both", segmentId = Guid.NewGuid(), rules = CityRules("Pune"), message = "Hi" }, HttpStatusCode.BadRequest);
        Assert.Contains("not both", both.GetProperty("errors").GetProperty("segmentId")[0].GetString());
        var unknown = await SendAsync(api, HttpMethod.Post, "/api/campaigns", new { name = "Unknown", segmentId = Guid.NewGuid(), message = "Hi" }, HttpStatusCode.BadRequest);
        Assert.Contains("No saved audience", unknown.GetProperty("errors").GetProperty("segmentId")[0].GetString());
    }

    [Theory]
    [InlineData("/api/segments")]
    [InlineData("/api/campaigns")]
    [InlineData("/api/imports")]
    public async Task Lists_page_newest_first_without_repeats_or_gaps(string list)
    {
        using var api = fixture.Api();
        var city = await CustomersOfAsync(fixture, 1);
        for (var i = 0; i < 3; i++)
        {
            await SendAsync(api, HttpMethod.Post, "/api/segments", new { name = $"Paged {i} {city}", rules = CityRules(city) }, HttpStatusCode.Created);
            await ImportTests.UploadAsync(api, "customers", $"name,email,city\nPaged {i},paged{i}.{city}@minicrm.test,{city}\n", null);
            await CampaignTests.LaunchAsync(api, $"Paged {i} {city}", CityRules(city), "Hi {{name}}");
        }

        // Newest first as the database orders them, not as the product's own list does.
        var table = list.Split('/')[^1];
        var expected = (await fixture.ScalarAsync<string>($"SELECT string_agg(id::text, ',' ORDER BY created_at DESC, id DESC) FROM (SELECT id, created_at FROM {table} ORDER BY created_at DESC, id DESC LIMIT 7) t"))
            .Split(',').Select(Guid.Parse).ToList();
        var walked = new List<Guid>();
        string? cursor = null;
        while (walked.Count < expected.Count)
        {
            var page = await api.GetFromJsonAsync<JsonElement>($"{list}?limit=2" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}"), Json);
            walked.AddRange(page.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("id").GetGuid()));
            cursor = page.GetProperty("nextCursor").GetString();
            Assert.True(cursor is not null || walked.Count >= expected.Count, $"no next page after {walked.Count} of {expected.Count}: {page}");
        }

        Assert.Equal(expected, walked.Take(expected.Count));
        using var forged = await api.GetAsync($"{list}?cursor=bm90LWEtY3Vyc29y");
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
    }

    internal static object CityRule(string city) => new { attribute = "city", @operator = "=", value = city };

    internal static object CityRules(string city) => new { combinator = "AND", rules = new[] { CityRule(city) } };

    internal static async Task<JsonElement> SendAsync(HttpClient api, HttpMethod method, string path, object? body, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        using var response = await api.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{method} {path}: {(int)response.StatusCode} {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    internal static Task<string> CustomersOfAsync(AppHostFixture fixture, int count) => TestCustomers.InNewCityAsync(fixture, "Seg", count);

    internal static Task AddCustomersAsync(AppHostFixture fixture, string city, int from, int count) => TestCustomers.AddAsync(fixture, city, from, count);
}
