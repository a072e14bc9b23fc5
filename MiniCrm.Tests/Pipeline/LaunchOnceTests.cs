using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MiniCrm.Tests.Infrastructure;

namespace MiniCrm.Tests.Pipeline;

/// <summary>A marketer's action happens once, and nobody is messaged twice by accident: Idempotency-Key on creates, and smart sending.</summary>
[Collection(AppHostCollection.Name)]
public sealed class LaunchOnceTests(AppHostFixture fixture)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task The_same_Idempotency_Key_twice_gives_one_campaign_and_another_request_with_it_is_refused()
    {
        var city = await TestCustomers.InNewCityAsync(fixture, "Once", 5);
        using var api = fixture.Api();
        var key = Guid.NewGuid().ToString();
        var body = new { name = $"Once in {city}", rules = SavedSegmentTests.CityRules(city), message = "Hi {{name}}", smartSending = true };

        using var first = await PostAsync(api, "/api/campaigns", body, key);
        using var again = await PostAsync(api, "/api/campaigns", body, key);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        var id = (await first.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("id").GetGuid();
        Assert.Equal(id, (await again.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("id").GetGuid());
        Assert.Equal("true", again.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(first.Headers.Location, again.Headers.Location);

        // The same key for something else is refused and creates nothing.
        using var other = await PostAsync(api, "/api/campaigns", body with { message = "Something else, {{name}}" }, key);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, other.StatusCode);
        Assert.Contains("another request", await other.Content.ReadAsStringAsync());

        // Two at once with a new key (a double click that beat the button): one campaign; the other answer is
        // that campaign or "still running", and asking again then gives the campaign.
        var both = $"Double click in {city}";
        var doubleKey = Guid.NewGuid().ToString();
        var clicks = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => PostAsync(api, "/api/campaigns", body with { name = both, smartSending = false }, doubleKey)));
        Assert.All(clicks, c => Assert.Contains(c.StatusCode, new[] { HttpStatusCode.Created, HttpStatusCode.Conflict }));
        Assert.Contains(clicks, c => c.StatusCode == HttpStatusCode.Created);
        using var afterwards = await PostAsync(api, "/api/campaigns", body with { name = both, smartSending = false }, doubleKey);
        Assert.Equal(HttpStatusCode.Created, afterwards.StatusCode);
        foreach (var click in clicks)
        {
            click.Dispose();
        }

        Assert.Equal(1L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM campaigns WHERE name = 'Once in {city}'"));
        Assert.Equal(1L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM campaigns WHERE name = '{both}'"));

        // Each customer got each campaign once.
        var done = await CampaignTests.WaitForCompletionAsync(api, id, TimeSpan.FromMinutes(2));
        Assert.Equal(5, done.AudienceSize);
        await AppHostFixture.EventuallyAsync(async () => await fixture.ScalarAsync<long>(
                $"SELECT count(*) FROM communication_logs l JOIN campaigns c ON c.id = l.campaign_id WHERE c.name IN ('Once in {city}', '{both}')") == 10,
            TimeSpan.FromMinutes(1), "one message per customer and campaign");

        // A key that is not one is a 400 naming the header.
        using var bad = await PostAsync(api, "/api/campaigns", body, new string('k', 300));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("Idempotency-Key", await bad.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_request_that_outlived_its_claim_cannot_record_its_answer_nor_release_the_repeats_claim()
    {
        await using var database = Npgsql.NpgsqlDataSource.Create(fixture.DatabaseConnectionString);
        var keys = new MiniCrm.Api.Application.Idempotency.IdempotencyKeys(database);
        var owner = $"fence-{Guid.NewGuid():N}";
        var slow = MiniCrm.Api.Application.Idempotency.IdempotentRequest.For("k1", owner, "POST /test", "{}")!;
        Assert.Equal(MiniCrm.Api.Application.Idempotency.ClaimState.New, (await keys.ClaimAsync(slow, CancellationToken.None)).State);

        // The first request runs past its minute; a repeat then claims the key.
        await using (var age = database.CreateCommand($"UPDATE idempotency_keys SET created_at = now() - interval '2 minutes' WHERE owner = '{owner}'"))
        {
            await age.ExecuteNonQueryAsync();
        }

        var repeat = MiniCrm.Api.Application.Idempotency.IdempotentRequest.For("k1", owner, "POST /test", "{}")!;
        Assert.Equal(MiniCrm.Api.Application.Idempotency.ClaimState.New, (await keys.ClaimAsync(repeat, CancellationToken.None)).State);

        // The slow one can neither answer for the key nor give the repeat's claim away.
        await Assert.ThrowsAsync<MiniCrm.Api.Application.Idempotency.IdempotencyClaimLostException>(() => keys.CompleteAsync(slow, 202, new { slow = true }, CancellationToken.None));
        await keys.ReleaseAsync(slow, CancellationToken.None);
        Assert.Equal(MiniCrm.Api.Application.Idempotency.ClaimState.Busy, (await keys.ClaimAsync(MiniCrm.Api.Application.Idempotency.IdempotentRequest.For("k1", owner, "POST /test", "{}")!, CancellationToken.None)).State);

        await keys.CompleteAsync(repeat, 202, new { slow = false }, CancellationToken.None);
        var replay = await keys.ClaimAsync(MiniCrm.Api.Application.Idempotency.IdempotentRequest.For("k1", owner, "POST /test", "{}")!, CancellationToken.None);
        Assert.Equal((MiniCrm.Api.Application.Idempotency.ClaimState.Replay, 202), (replay.State, replay.Status));
        Assert.Contains("false", replay.Response);
    }

    [Fact]
    public async Task A_customer_messaged_by_one_campaign_is_skipped_by_a_second_within_the_smart_sending_window()
    {
        var messaged = await TestCustomers.InNewCityAsync(fixture, "Recent", 3);
        var fresh = await TestCustomers.InNewCityAsync(fixture, "Fresh", 4);
        var both = new { combinator = "OR", rules = new object[] { new { attribute = "city", @operator = "=", value = messaged }, new { attribute = "city", @operator = "=", value = fresh } } };
        using var api = fixture.Api();

        // The first campaign messages the three of one city.
        var first = await SavedSegmentTests.SendAsync(api, HttpMethod.Post, "/api/campaigns",
            new { name = $"First for {messaged}", rules = SavedSegmentTests.CityRules(messaged), message = "Hi {{name}}" }, HttpStatusCode.Created);
        await AppHostFixture.EventuallyAsync(async () => await fixture.ScalarAsync<long>(
            $"SELECT count(*) FROM communication_logs WHERE campaign_id = '{first.GetProperty("id").GetGuid()}'") == 3, TimeSpan.FromMinutes(1), "the first campaign's messages");

        // The preview of both cities says who smart sending leaves out, and without it everyone counts.
        var preview = await SavedSegmentTests.SendAsync(api, HttpMethod.Post, "/api/segments/preview", both, HttpStatusCode.OK);
        Assert.Equal((4L, 3L), (preview.GetProperty("count").GetInt64(), preview.GetProperty("excludedForSmartSending").GetInt64()));
        var off = await SavedSegmentTests.SendAsync(api, HttpMethod.Post, "/api/segments/preview?smartSending=false", both, HttpStatusCode.OK);
        Assert.Equal((7L, 0L), (off.GetProperty("count").GetInt64(), off.GetProperty("excludedForSmartSending").GetInt64()));

        // The second campaign, with smart sending on as it is by default, reaches only the four not messaged.
        var second = await SavedSegmentTests.SendAsync(api, HttpMethod.Post, "/api/campaigns",
            new { name = $"Second for {messaged} and {fresh}", rules = both, message = "Hi again {{name}}" }, HttpStatusCode.Created);
        Assert.True(second.GetProperty("smartSending").GetBoolean());
        Assert.Equal((4, 3), (second.GetProperty("audienceSize").GetInt32(), second.GetProperty("excludedForSmartSending").GetInt32()));
        var done = await CampaignTests.WaitForCompletionAsync(api, second.GetProperty("id").GetGuid(), TimeSpan.FromMinutes(2));
        Assert.Equal(4, done.AudienceSize);
        var stored = await api.GetFromJsonAsync<JsonElement>($"/api/campaigns/{done.Id}", Json);
        Assert.True(stored.GetProperty("excludedForSmartSending").GetInt32() == 3, stored.GetRawText() + " / " + await fixture.ScalarAsync<string>($"""
            SELECT string_agg(format('%s %s %s %s', c.city, l.campaign_id, l.status, l.created_at), '; ') FROM communication_logs l JOIN customers c ON c.id = l.customer_id
            WHERE c.city IN ('{messaged}', '{fresh}')
            """));
        // Counted as SQL counts it from the log: customers of the rules for whom another campaign wrote a message in the window.
        Assert.Equal(3L, await fixture.ScalarAsync<long>($"""
            SELECT count(*) FROM customers c WHERE c.city IN ('{messaged}', '{fresh}') AND EXISTS (
                SELECT 1 FROM communication_logs l WHERE l.customer_id = c.id AND l.campaign_id <> '{done.Id}'
                  AND l.created_at > now() - interval '16 hours')
            """));
        Assert.Equal(0L, await fixture.ScalarAsync<long>(
            $"SELECT count(*) FROM communication_logs l JOIN customers c ON c.id = l.customer_id WHERE l.campaign_id = '{done.Id}' AND c.city = '{messaged}'"));

        // Turned off on purpose, a third campaign reaches everyone again.
        var third = await SavedSegmentTests.SendAsync(api, HttpMethod.Post, "/api/campaigns",
            new { name = $"Third for {messaged} and {fresh}", rules = both, message = "Hi once more {{name}}", smartSending = false }, HttpStatusCode.Created);
        Assert.Equal((7, 0), (third.GetProperty("audienceSize").GetInt32(), third.GetProperty("excludedForSmartSending").GetInt32()));
    }

    [Fact]
    public async Task A_source_that_sends_the_same_batch_twice_with_its_key_gets_the_first_answer_and_nothing_more()
    {
        var city = "Keyed" + Guid.NewGuid().ToString("N")[..10];
        using var ingest = fixture.IngestingApi();
        var batch = Enumerable.Range(0, 3).Select(i => new { name = $"Keyed {i}", email = $"{city}.{i}@minicrm.test", city }).ToArray();
        var key = Guid.NewGuid().ToString();
        var answers = new List<JsonElement>();
        for (var i = 0; i < 2; i++)
        {
            using var response = await PostAsync(ingest, "/api/customers", batch, key);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            Assert.Equal(i == 1, response.Headers.Contains("Idempotent-Replayed"));
            answers.Add(await response.Content.ReadFromJsonAsync<JsonElement>(Json));
        }

        // The repeat names the same ids and rejects nothing (sent without its key, it would be "exists already").
        Assert.Equal(answers[0].GetRawText(), answers[1].GetRawText());
        Assert.Equal(3, answers[1].GetProperty("accepted").GetInt32());
        await AppHostFixture.EventuallyAsync(async () => await fixture.ScalarAsync<long>($"SELECT count(*) FROM customers WHERE city = '{city}'") == 3,
            TimeSpan.FromSeconds(60), "three customers, stored once");
        using var other = await PostAsync(ingest, "/api/customers", batch.Take(1).ToArray(), key);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, other.StatusCode);
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient api, string path, object body, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        return await api.SendAsync(request);
    }
}
