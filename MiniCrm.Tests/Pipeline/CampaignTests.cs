using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using MiniCrm.Tests.Infrastructure;

namespace MiniCrm.Tests.Pipeline;

public sealed record CampaignState(Guid Id, string Status, int AudienceSize, int PendingCount, int SentCount, int FailedCount, string? Summary, DateTimeOffset? CompletedAt);

[Collection(AppHostCollection.Name)]
public sealed class CampaignTests(AppHostFixture fixture)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The audience a campaign launched by <see cref="LaunchAsync"/> reaches.</summary>
    public const string PreviewWithoutSmartSending = "/api/segments/preview?smartSending=false";

    public static readonly object NestedSegment = new
    {
        combinator = "OR",
        rules = new object[]
        {
            new { attribute = "city", @operator = "=", value = "pune" },
            new
            {
                combinator = "AND",
                rules = new object[]
                {
                    new { attribute = "total_spend", @operator = ">", value = 5000 },
                    new { attribute = "visit", @operator = ">=", value = 2 },
                    new { combinator = "OR", rules = new object[] { new { attribute = "last_order_date", @operator = "<", value = 200 }, new { attribute = "city", @operator = "!=", value = "Delhi" } } },
                },
            },
        },
    };

    [Fact]
    public async Task A_campaign_over_a_nested_segment_completes_with_exact_counters_and_one_summary()
    {
        // The nested segment selects about one customer in sixteen: 3,000 give it an audience of a hundred or more when run alone.
        await IngestDriver.EnsureCustomersAsync(fixture, 3_000);
        using var api = fixture.Api();

        var preview = await (await api.PostAsJsonAsync(PreviewWithoutSmartSending, NestedSegment)).Content.ReadFromJsonAsync<JsonElement>(Json);
        var expectedAudience = preview.GetProperty("count").GetInt64();
        Assert.InRange(expectedAudience, 100, 1_000_000);

        var campaign = await LaunchAsync(api, "Nested segment", NestedSegment, "Hi {{name}} from {{city}}, here is 10% off.");
        Assert.Equal(expectedAudience, campaign.AudienceSize);

        var done = await WaitForCompletionAsync(api, campaign.Id, TimeSpan.FromMinutes(3));
        await AssertExactAsync(done);

        // A late copy of a receipt, contradicting the first (a delivered message reported FAILED), signed as the vendor
        // signs: once it has gone through the receipts topic, nothing changed and the summary is the one written.
        var delivered = await fixture.ScalarAsync<Guid>($"SELECT customer_id FROM communication_logs WHERE campaign_id = '{campaign.Id}' AND status = 'SENT' LIMIT 1");
        var late = $$"""{"receipts":[{"campaignId":"{{campaign.Id}}","customerId":"{{delivered}}","status":"FAILED","deliveredAt":"{{DateTimeOffset.UtcNow:O}}","reason":"Late copy"}]}""";
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/api/receipts") { Content = new StringContent(late, System.Text.Encoding.UTF8, "application/json") })
        {
            fixture.SignAsVendor(request, late);
            using var anonymous = fixture.AnonymousApi();
            using var accepted = await anonymous.SendAsync(request);
            Assert.Equal(System.Net.HttpStatusCode.Accepted, accepted.StatusCode);
        }

        await fixture.WaitUntilQuietAsync(TimeSpan.FromMinutes(2));
        var later = await api.GetFromJsonAsync<CampaignState>($"/api/campaigns/{campaign.Id}", Json);
        Assert.Equal(done.Summary, later!.Summary);
        Assert.Equal(done.CompletedAt, later.CompletedAt);
        Assert.Equal(done.SentCount, later.SentCount);
        Assert.Equal(done.FailedCount, later.FailedCount);
        Assert.Equal("SENT", await fixture.ScalarAsync<string>($"SELECT status FROM communication_logs WHERE campaign_id = '{campaign.Id}' AND customer_id = '{delivered}'"));
        await AssertExactAsync(later);

        var failureShare = (double)done.FailedCount / done.AudienceSize;
        Assert.InRange(failureShare, 0.03, 0.20); // configured 10%
        Assert.Contains($"{done.SentCount} delivered", done.Summary);
        // The second sentence names the most frequent failure reasons with their counts, and counts the others: none left out.
        // Three reasons are named, or all four when there are four.
        var kinds = await fixture.ScalarAsync<long>($"SELECT count(DISTINCT failure_reason) FROM communication_logs WHERE campaign_id = '{campaign.Id}' AND status = 'FAILED'");
        var named = kinds == 4 ? 4 : 3;
        var reasons = await fixture.ScalarAsync<string>(
            $"SELECT string_agg(failure_reason || ' (' || n || ')', ', ' ORDER BY n DESC, failure_reason) FROM (SELECT failure_reason, count(*) AS n FROM communication_logs WHERE campaign_id = '{campaign.Id}' AND status = 'FAILED' GROUP BY 1 ORDER BY n DESC, failure_reason LIMIT {named}) r");
        var others = await fixture.ScalarAsync<string>($"""
            SELECT count(*) || '/' || coalesce(sum(n), 0) FROM (SELECT failure_reason, count(*) AS n FROM communication_logs WHERE campaign_id = '{campaign.Id}' AND status = 'FAILED'
                                      GROUP BY 1 ORDER BY n DESC, failure_reason OFFSET {named}) r
            """);
        Assert.EndsWith(others.StartsWith("0/", StringComparison.Ordinal) ? $" The failures were: {reasons}."
            : $" The most frequent failures were: {reasons}; {others.Split('/')[0]} other {(others.StartsWith("1/", StringComparison.Ordinal) ? "reason accounts" : "reasons account")} for the other {others.Split('/')[1]}.",
            done.Summary);

        var messages = await fixture.ScalarAsync<long>(
            $"SELECT count(*) FROM communication_logs l JOIN customers c ON c.id = l.customer_id WHERE l.campaign_id = '{campaign.Id}' AND l.personalized_msg = 'Hi ' || c.name || ' from ' || c.city || ', here is 10% off.'");
        Assert.Equal(done.AudienceSize, messages);
    }

    [Fact]
    public async Task Stopping_and_restarting_the_workers_mid_campaign_keeps_the_counters_exact()
    {
        await IngestDriver.EnsureCustomersAsync(fixture, 1_500);
        using var api = fixture.Api();
        var everyone = new { combinator = "AND", rules = Array.Empty<object>() };
        var preview = await (await api.PostAsJsonAsync(PreviewWithoutSmartSending, everyone)).Content.ReadFromJsonAsync<JsonElement>(Json);
        var audience = preview.GetProperty("count").GetInt32();
        // Everyone but those who unsubscribed (other tests of the shared system unsubscribe a few).
        Assert.True(audience + preview.GetProperty("excludedForConsent").GetInt32() >= 1_500, $"{preview}");

        // Throttled to last about eight seconds, so the restart lands mid-campaign.
        var campaign = await LaunchAsync(api, "Everyone, through a restart", everyone, "Hello {{name}}!", sendRatePerSecond: Math.Max(150, audience / 8));
        await AppHostFixture.EventuallyAsync(async () =>
        {
            var state = await api.GetFromJsonAsync<CampaignState>($"/api/campaigns/{campaign.Id}", Json);
            return state!.SentCount + state.FailedCount > 0;
        }, TimeSpan.FromMinutes(2), "the first receipts");

        var midway = await api.GetFromJsonAsync<CampaignState>($"/api/campaigns/{campaign.Id}", Json);
        Assert.True(midway!.PendingCount > 0, "the campaign finished before the restart; the test would prove nothing");

        var commands = fixture.App.Services.GetRequiredService<ResourceCommandService>();
        var stopped = await commands.ExecuteCommandAsync("workers", KnownResourceCommands.StopCommand);
        Assert.True(stopped.Success, stopped.Message);
        await fixture.App.ResourceNotifications.WaitForResourceAsync("workers", e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text));
        await Task.Delay(TimeSpan.FromSeconds(2));
        await fixture.StartAgainAsync("workers");

        var done = await WaitForCompletionAsync(api, campaign.Id, TimeSpan.FromMinutes(3));
        await AssertExactAsync(done);
    }

    [Fact]
    public async Task Personalised_messages_in_sql_match_the_csharp_renderer()
    {
        await IngestDriver.EnsureCustomersAsync(fixture, 10);
        // Customers whose fields hold what a renderer could get wrong: quotes, backslashes, a placeholder of their own
        // (which must stay text), a regular-expression replacement token, and no phone.
        var tricky = new[]
        {
            ("O'Brien \\ \"Bob\"", "Pune"),
            ("{{email}} Hacker", "Del{{city}}hi"),
            ("Dollar $1 \\1 Name", "Back\\slash"),
        };
        var emails = new List<string>();
        using (var ingest = fixture.IngestingApi())
        {
            foreach (var (name, city) in tricky)
            {
                var email = $"render-{Guid.NewGuid():N}@example.com";
                emails.Add(email);
                using var posted = await ingest.PostAsJsonAsync("/api/customers", new { name, email, city });
                Assert.True(posted.IsSuccessStatusCode, await posted.Content.ReadAsStringAsync());
            }
        }

        var wanted = string.Join(",", emails.Select(e => $"'{e}'"));
        await AppHostFixture.EventuallyAsync(async () => await fixture.ScalarAsync<long>($"SELECT count(*) FROM customers WHERE email IN ({wanted})") == emails.Count,
            TimeSpan.FromSeconds(60), "the customers with awkward names");
        const string template = "{{name}} ({{first_name}}) <{{email}}> in {{city}}, call {{phone}}; to stop: {{unsubscribe_url}}";
        const string key = "a link key for this test", linkBase = "https://crm.example.com";
        var parsed = MiniCrm.Core.Campaigns.MessageTemplate.Parse(template, [])!;
        await using var connection = new Npgsql.NpgsqlConnection(fixture.DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            $"SELECT c.name, c.email, c.city, c.phone, c.id, {parsed.SqlExpression("@template_parts")} FROM customers c WHERE c.email IN ({wanted}) UNION ALL " +
            $"(SELECT c.name, c.email, c.city, c.phone, c.id, {parsed.SqlExpression("@template_parts")} FROM customers c LIMIT 50)", connection);
        command.Parameters.AddWithValue("template_parts", parsed.SqlParts);
        command.Parameters.AddWithValue("link_base", linkBase);
        command.Parameters.AddWithValue("link_key", System.Text.Encoding.UTF8.GetBytes(key));
        await using var reader = await command.ExecuteReaderAsync();
        var rows = 0;
        var rendered = new Dictionary<string, string>();
        while (await reader.ReadAsync())
        {
            rows++;
            rendered[reader.GetString(1)] = reader.GetString(5);
            var customer = reader.GetGuid(4);
            Assert.Equal(
                parsed.Render(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                    MiniCrm.Core.Consent.UnsubscribeLinks.Url(linkBase, customer, key)),
                reader.GetString(5));
            Assert.Equal(customer, MiniCrm.Core.Consent.UnsubscribeLinks.Verify(reader.GetString(5)[(reader.GetString(5).LastIndexOf('/') + 1)..], key));
        }

        Assert.True(rows >= tricky.Length);
        // A placeholder inside a customer's name or city is text, not expanded.
        Assert.StartsWith($"{{{{email}}}} Hacker ({{{{email}}}}) <{emails[1]}> in Del{{{{city}}}}hi, call ", rendered[emails[1]]);
        Assert.StartsWith("O'Brien \\ \"Bob\" (O'Brien)", rendered[emails[0]]);
    }

    private Task AssertExactAsync(CampaignState done) => AssertExactAsync(fixture, done);

    /// <summary>Completed, nothing pending, and the counters equal to the log rows.</summary>
    internal static async Task AssertExactAsync(AppHostFixture fixture, CampaignState done)
    {
        Assert.Equal("COMPLETED", done.Status);
        Assert.Equal(0, done.PendingCount);
        Assert.Equal(done.AudienceSize, done.SentCount + done.FailedCount);
        Assert.Equal((long)done.AudienceSize, await fixture.ScalarAsync<long>($"SELECT count(*) FROM communication_logs WHERE campaign_id = '{done.Id}' AND status <> 'HELD_OUT'"));
        Assert.Equal((long)done.SentCount, await fixture.ScalarAsync<long>($"SELECT count(*) FROM communication_logs WHERE campaign_id = '{done.Id}' AND status = 'SENT'"));
        Assert.Equal((long)done.FailedCount, await fixture.ScalarAsync<long>($"SELECT count(*) FROM communication_logs WHERE campaign_id = '{done.Id}' AND status = 'FAILED'"));
        Assert.NotNull(done.Summary);
    }

    /// <summary>
    /// Launches a campaign to be watched. The shared system's tests send to the same customers again and again, as a
    /// marketer does on purpose with smart sending turned off; <c>SmartSendingTests</c> test it on.
    /// </summary>
    public static async Task<CampaignState> LaunchAsync(HttpClient api, string name, object rules, string message, int? sendRatePerSecond = null, bool smartSending = false,
        int holdoutPercent = 0)
    {
        var response = await api.PostAsJsonAsync("/api/campaigns", new { name, rules, message, sendRatePerSecond, smartSending, holdoutPercent });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<CampaignState>(Json))!;
    }

    public static async Task<CampaignState> WaitForCompletionAsync(HttpClient api, Guid id, TimeSpan timeout)
    {
        CampaignState? state = null;
        await AppHostFixture.EventuallyAsync(async () =>
        {
            state = await api.GetFromJsonAsync<CampaignState>($"/api/campaigns/{id}", Json);
            return state!.Status == "COMPLETED";
        }, timeout, () => $"campaign {id} to complete (last seen: {state})");
        return state!;
    }
}
