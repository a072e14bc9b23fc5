using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MiniCrm.Core.Consent;
using MiniCrm.Tests.Infrastructure;

namespace MiniCrm.Tests.Pipeline;

/// <summary>A test send: one message, rendered for one customer as a campaign would render it, reaches the vendor; no campaign is made.</summary>
[Collection(AppHostCollection.Name)]
public sealed class TestSendTests(AppHostFixture fixture)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task A_test_send_reaches_the_vendor_personalised_and_creates_no_campaign()
    {
        using var api = fixture.Api();
        var city = await SavedSegmentTests.CustomersOfAsync(fixture, 1);
        var customer = await fixture.ScalarAsync<Guid>($"SELECT id FROM customers WHERE city = '{city}'");
        var name = await fixture.ScalarAsync<string>($"SELECT name FROM customers WHERE id = '{customer}'");
        // The tests of this collection run one at a time: any campaign or log row made meanwhile is the test send's.
        var campaignsBefore = await fixture.ScalarAsync<long>("SELECT count(*) FROM campaigns");
        var logsBefore = await fixture.ScalarAsync<long>("SELECT count(*) FROM communication_logs");

        var sent = await SavedSegmentTests.SendAsync(api, HttpMethod.Post, "/api/campaigns/test-send",
            new { customerId = customer, message = "Hi {{ name }}, news from {{city}}! Stop: {{unsubscribe_url}}" }, HttpStatusCode.Accepted);
        var message = sent.GetProperty("message").GetString()!;
        Assert.StartsWith($"Hi {name}, news from {city}! Stop: http", message);
        var token = message[(message.LastIndexOf('/') + 1)..];
        Assert.Equal(customer, UnsubscribeLinks.Verify(token, fixture.LinkSigningKey));

        // The vendor has it, as the customer gets it.
        using var vendor = fixture.WithOpsKey("vendorsim");
        var inbox = await vendor.GetFromJsonAsync<JsonElement>($"/deliveries/{sent.GetProperty("deliveryId").GetGuid()}", Json);
        Assert.Equal(message, inbox.GetProperty("message").GetString());
        Assert.Equal(customer, inbox.GetProperty("customerId").GetGuid());
        Assert.Equal(0L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM communication_logs WHERE customer_id = '{customer}'"));
        Assert.Equal(campaignsBefore, await fixture.ScalarAsync<long>("SELECT count(*) FROM campaigns"));
        Assert.Equal(logsBefore, await fixture.ScalarAsync<long>("SELECT count(*) FROM communication_logs"));
    }

    [Fact]
    public async Task A_test_send_with_bad_fields_is_400_and_to_an_unsubscribed_customer_409()
    {
        using var api = fixture.Api();
        var city = await SavedSegmentTests.CustomersOfAsync(fixture, 1);
        var customer = await fixture.ScalarAsync<Guid>($"SELECT id FROM customers WHERE city = '{city}'");
        foreach (var (body, field) in new (object Body, string Field)[]
                 {
                     (new { message = "Hi {{name}}" }, "customerId"),
                     (new { message = "Hi {{name}}", customerId = Guid.NewGuid() }, "customerId"),
                     (new { message = "Hi {{coupon}}", customerId = customer }, "message"),
                     (new { customerId = customer }, "message"),
                 })
        {
            var problem = await SavedSegmentTests.SendAsync(api, HttpMethod.Post, "/api/campaigns/test-send", body, HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        }

        await SavedSegmentTests.SendAsync(api, HttpMethod.Post, $"/api/customers/{customer}/unsubscribe", null, HttpStatusCode.NoContent);
        await SavedSegmentTests.SendAsync(api, HttpMethod.Post, "/api/campaigns/test-send", new { message = "Hi {{name}}", customerId = customer }, HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task A_test_to_the_marketers_own_address_is_rendered_for_the_customer_and_sent_once_per_key()
    {
        using var api = fixture.Api();
        var city = await SavedSegmentTests.CustomersOfAsync(fixture, 1);
        var customer = await fixture.ScalarAsync<Guid>($"SELECT id FROM customers WHERE city = '{city}'");
        var name = await fixture.ScalarAsync<string>($"SELECT name FROM customers WHERE id = '{customer}'");
        var body = new { customerId = customer, message = "Hi {{first_name}} ({{name}})! Stop: {{unsubscribe_url}}", to = new { email = "Tests@MiniCrm.test" } };
        var key = Guid.NewGuid().ToString();

        var answers = new List<JsonElement>();
        for (var i = 0; i < 2; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/campaigns/test-send") { Content = JsonContent.Create(body) };
            request.Headers.Add("Idempotency-Key", key);
            using var response = await api.SendAsync(request);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            answers.Add(await response.Content.ReadFromJsonAsync<JsonElement>(Json));
        }

        var sent = answers[0];
        Assert.Equal(sent.GetProperty("deliveryId").GetGuid(), answers[1].GetProperty("deliveryId").GetGuid());
        Assert.Equal(AppHostFixture.MarketerEmail, sent.GetProperty("sentTo").GetString());
        var message = sent.GetProperty("message").GetString()!;
        Assert.StartsWith($"Hi {name.Split(' ')[0]} ({name})! Stop: http", message);
        // The link of a test sent to a marketer unsubscribes no one.
        Assert.EndsWith($"/u/{UnsubscribeLinks.TestToken}", message);
        using var stranger = fixture.AnonymousApi();
        using (var link = await stranger.PostAsync($"/u/{UnsubscribeLinks.TestToken}", null))
        {
            Assert.Equal(HttpStatusCode.OK, link.StatusCode);
            Assert.Contains("unsubscribes no one", await link.Content.ReadAsStringAsync());
        }

        using var vendor = fixture.WithOpsKey("vendorsim");
        var inbox = await vendor.GetFromJsonAsync<JsonElement>($"/deliveries/{sent.GetProperty("deliveryId").GetGuid()}", Json);
        Assert.Equal(AppHostFixture.MarketerEmail, inbox.GetProperty("email").GetString());
        Assert.Equal(message, inbox.GetProperty("message").GetString());
        var stats = await vendor.GetFromJsonAsync<JsonElement>("/deliveries/stats", Json);
        Assert.True(stats.GetProperty("messaged").GetInt64() > 0);

        // An unsubscribed customer's data may still be used for a test to oneself; a bad address is a 400 naming it.
        await SavedSegmentTests.SendAsync(api, HttpMethod.Post, $"/api/customers/{customer}/unsubscribe", null, HttpStatusCode.NoContent);
        await SavedSegmentTests.SendAsync(api, HttpMethod.Post, "/api/campaigns/test-send", body, HttpStatusCode.Accepted);
        var problem = await SavedSegmentTests.SendAsync(api, HttpMethod.Post, "/api/campaigns/test-send",
            new { customerId = customer, message = "Hi", to = new { email = "not an address" } }, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("to.email", out _), problem.ToString());

        // Only someone of the team gets a test: a stranger's address or a phone is refused before anything is sent.
        var foreign = await SavedSegmentTests.SendAsync(api, HttpMethod.Post, "/api/campaigns/test-send",
            new { customerId = customer, message = "Buy now", to = new { email = "someone.else@example.com" } }, HttpStatusCode.BadRequest);
        Assert.Contains("MiniCrm user's sign-in address", foreign.GetProperty("errors").GetProperty("to.email")[0].GetString());
        var myPhone = $"9{Random.Shared.NextInt64(100_000_000, 999_999_999)}";
        var unsaved = await SavedSegmentTests.SendAsync(api, HttpMethod.Post, "/api/campaigns/test-send",
            new { customerId = customer, message = "Buy now", to = new { phone = myPhone } }, HttpStatusCode.BadRequest);
        Assert.Contains("PUT /api/me/phone", unsaved.GetProperty("errors").GetProperty("to.phone")[0].GetString());

        // The marketer saves their own phone (10 digits, as customers' are read); then a test text can go there.
        var badPhone = await SavedSegmentTests.SendAsync(api, HttpMethod.Put, "/api/me/phone", new { phone = "12345" }, HttpStatusCode.BadRequest);
        Assert.True(badPhone.GetProperty("errors").TryGetProperty("phone", out _), badPhone.ToString());
        using (var save = await api.PutAsJsonAsync("/api/me/phone", new { phone = $"{myPhone[..5]} {myPhone[5..]}" }))
        {
            Assert.Equal(HttpStatusCode.NoContent, save.StatusCode);
        }

        Assert.Equal(myPhone, (await api.GetFromJsonAsync<JsonElement>("/api/me", Json)).GetProperty("phone").GetString());
        var texted = await SavedSegmentTests.SendAsync(api, HttpMethod.Post, "/api/campaigns/test-send",
            new { customerId = customer, message = "Hi {{first_name}}", to = new { phone = myPhone } }, HttpStatusCode.Accepted);
        Assert.Equal(myPhone, texted.GetProperty("sentTo").GetString());
    }
}
