using System.Net;
using Aspire.Hosting.Testing;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using MiniCrm.Tests.Infrastructure;

namespace MiniCrm.Tests.Pipeline;

/// <summary>Consent: an unsubscribed customer is in no audience, and the signed link in a message unsubscribes without signing in.</summary>
[Collection(AppHostCollection.Name)]
public sealed partial class ConsentTests(AppHostFixture fixture)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task Each_consent_change_is_kept_with_how_and_by_whom_and_the_history_cannot_be_rewritten()
    {
        using var api = fixture.Api();
        var city = await SavedSegmentTests.CustomersOfAsync(fixture, 1);
        var customer = await fixture.ScalarAsync<Guid>($"SELECT id FROM customers WHERE city = '{city}'");
        var marketer = await fixture.ScalarAsync<string>($"SELECT id FROM users WHERE email = '{AppHostFixture.MarketerEmail}'");

        // The customer's own link, then a marketer on their behalf, then the link again.
        using var anonymous = fixture.AnonymousApi();
        var token = MiniCrm.Core.Consent.UnsubscribeLinks.Token(customer, fixture.LinkSigningKey);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.PostAsync($"/u/{token}", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.PostAsync($"/u/{token}", null)).StatusCode); // twice: one change
        await SavedSegmentTests.SendAsync(api, HttpMethod.Post, $"/api/customers/{customer}/resubscribe", null, HttpStatusCode.NoContent);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.PostAsync($"/u/{token}", null)).StatusCode);

        Assert.Equal($"UNSUBSCRIBED link -|RESUBSCRIBED marketer {marketer}|UNSUBSCRIBED link -",
            await fixture.ScalarAsync<string>($"SELECT string_agg(change || ' ' || via || ' ' || coalesce(by_user, '-'), '|' ORDER BY id) FROM consent_events WHERE customer_id = '{customer}'"));
        var history = await api.GetFromJsonAsync<JsonElement>($"/api/customers/{customer}/consent", Json);
        Assert.Equal(["UNSUBSCRIBED", "RESUBSCRIBED", "UNSUBSCRIBED"], history.EnumerateArray().Select(e => e.GetProperty("change").GetString()));
        Assert.Equal("Test Marketer", history[1].GetProperty("byName").GetString());
        Assert.Equal(
            await fixture.ScalarAsync<DateTime>($"SELECT max(at) FROM consent_events WHERE customer_id = '{customer}'"),
            await fixture.ScalarAsync<DateTime>($"SELECT unsubscribed_at FROM customers WHERE id = '{customer}'"));

        // Append-only: the database itself refuses to change or remove an event.
        var refused = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => fixture.ScalarAsync<long>($"WITH d AS (DELETE FROM consent_events WHERE customer_id = '{customer}' RETURNING 1) SELECT count(*) FROM d"));
        Assert.Contains("append-only", refused.MessageText);
        await Assert.ThrowsAsync<Npgsql.PostgresException>(() => fixture.ScalarAsync<long>($"WITH u AS (UPDATE consent_events SET via = 'x' WHERE customer_id = '{customer}' RETURNING 1) SELECT count(*) FROM u"));
    }

    [Fact]
    public async Task An_unsubscribed_customer_is_left_out_of_every_audience_and_the_preview_says_so()
    {
        using var api = fixture.Api();
        var city = await SavedSegmentTests.CustomersOfAsync(fixture, 4);
        var quitter = await fixture.ScalarAsync<Guid>($"SELECT id FROM customers WHERE city = '{city}' ORDER BY email LIMIT 1");
        await SavedSegmentTests.SendAsync(api, HttpMethod.Post, $"/api/customers/{quitter}/unsubscribe", null, HttpStatusCode.NoContent);

        var preview = await SavedSegmentTests.SendAsync(api, HttpMethod.Post, "/api/segments/preview", SavedSegmentTests.CityRules(city), HttpStatusCode.OK);
        Assert.Equal(3, preview.GetProperty("count").GetInt64());
        Assert.Equal(1, preview.GetProperty("excludedForConsent").GetInt64());
        Assert.DoesNotContain(preview.GetProperty("sample").EnumerateArray(), c => c.GetProperty("id").GetGuid() == quitter);
        var customer = await api.GetFromJsonAsync<JsonElement>($"/api/customers/{quitter}", Json);
        Assert.Equal(JsonValueKind.String, customer.GetProperty("customer").GetProperty("unsubscribedAt").ValueKind);

        var launched = await SavedSegmentTests.SendAsync(api, HttpMethod.Post, "/api/campaigns",
            new { name = $"Consent {city}", rules = SavedSegmentTests.CityRules(city), message = "Hi {{name}}" }, HttpStatusCode.Created);
        Assert.Equal(3, launched.GetProperty("audienceSize").GetInt32());
        Assert.Equal(1, launched.GetProperty("excludedForConsent").GetInt32());
        var done = await CampaignTests.WaitForCompletionAsync(api, launched.GetProperty("id").GetGuid(), TimeSpan.FromMinutes(2));
        Assert.Equal(0L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM communication_logs WHERE campaign_id = '{done.Id}' AND customer_id = '{quitter}'"));
        Assert.Equal(3L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM communication_logs WHERE campaign_id = '{done.Id}'"));

        // Asked to be messaged again: back in the audience.
        await SavedSegmentTests.SendAsync(api, HttpMethod.Post, $"/api/customers/{quitter}/resubscribe", null, HttpStatusCode.NoContent);
        Assert.Equal(4, (await SavedSegmentTests.SendAsync(api, HttpMethod.Post, CampaignTests.PreviewWithoutSmartSending, SavedSegmentTests.CityRules(city), HttpStatusCode.OK)).GetProperty("count").GetInt64());
        await SavedSegmentTests.SendAsync(api, HttpMethod.Post, $"/api/customers/{Guid.NewGuid()}/unsubscribe", null, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_unsubscribe_link_in_a_message_works_without_sign_in_and_a_tampered_one_changes_nothing()
    {
        using var api = fixture.Api();
        var city = await SavedSegmentTests.CustomersOfAsync(fixture, 2);
        var launched = await SavedSegmentTests.SendAsync(api, HttpMethod.Post, "/api/campaigns",
            new { name = $"Links {city}", rules = SavedSegmentTests.CityRules(city), message = "Hi {{name}}! Not interested? {{unsubscribe_url}}" }, HttpStatusCode.Created);
        var done = await CampaignTests.WaitForCompletionAsync(api, launched.GetProperty("id").GetGuid(), TimeSpan.FromMinutes(2));
        var log = await api.GetFromJsonAsync<JsonElement>($"/api/campaigns/{done.Id}/log", Json);
        var messages = log.GetProperty("items").EnumerateArray().Select(e => (Customer: e.GetProperty("customerId").GetGuid(), Message: e.GetProperty("message").GetString()!)).ToList();
        Assert.Equal(2, messages.Count);
        var links = messages.Select(m => (m.Customer, Url: new Uri(Link().Match(m.Message).Value))).ToList();
        Assert.Equal(2, links.Select(l => l.Url).Distinct().Count());
        Assert.All(links, l => Assert.Equal(fixture.App.GetEndpoint("api", "http").Authority, l.Url.Authority));

        var (customer, url) = links[0];
        using var stranger = fixture.AnonymousApi();
        var tampered = url.AbsolutePath[..^2] + (url.AbsolutePath[^2] == 'A' ? "B" : "A") + url.AbsolutePath[^1];
        using (var bad = await stranger.PostAsync(tampered, null))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains("This link does not work", await bad.Content.ReadAsStringAsync());
        }

        Assert.Equal(0L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM customers WHERE city = '{city}' AND unsubscribed_at IS NOT NULL"));

        // The page asks first (a scanner following the link unsubscribes nobody); the confirmation unsubscribes.
        var page = await stranger.GetStringAsync(url.AbsolutePath);
        Assert.Contains("<form method=\"post\">", page);
        Assert.Equal(0L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM customers WHERE city = '{city}' AND unsubscribed_at IS NOT NULL"));
        for (var i = 0; i < 2; i++)
        {
            using var confirmed = await stranger.PostAsync(url.AbsolutePath, null);
            Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
            Assert.Contains("You are unsubscribed", await confirmed.Content.ReadAsStringAsync());
        }

        Assert.Equal("link", await fixture.ScalarAsync<string>($"SELECT unsubscribed_via FROM customers WHERE id = '{customer}'"));
        Assert.Equal(1L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM customers WHERE city = '{city}' AND unsubscribed_at IS NOT NULL"));
        var preview = await SavedSegmentTests.SendAsync(api, HttpMethod.Post, CampaignTests.PreviewWithoutSmartSending, SavedSegmentTests.CityRules(city), HttpStatusCode.OK);
        Assert.Equal((1L, 1L), (preview.GetProperty("count").GetInt64(), preview.GetProperty("excludedForConsent").GetInt64()));
    }

    [GeneratedRegex(@"https?://\S+/u/[A-Za-z0-9_-]{43}")]
    private static partial Regex Link();
}
