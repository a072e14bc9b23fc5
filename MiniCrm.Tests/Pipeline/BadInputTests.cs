using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using MiniCrm.Tests.Infrastructure;

namespace MiniCrm.Tests.Pipeline;

public enum Credentials
{
    None,
    Marketer,
    ApiKey,
    WrongApiKey,
    Signed,
    WrongSignature,
    StaleSignature,
    FarFutureSignature,
}

/// <summary>Every bad input gets the right 4xx and a message that says what is wrong, and the database does not change.</summary>
[Collection(AppHostCollection.Name)]
public sealed class BadInputTests(AppHostFixture fixture)
{
    private const string Customer = """{"name":"Asha Rao","email":"asha.bad@example.com","phone":"9876543210","city":"Pune"}""";
    private static readonly string Unknown = Guid.NewGuid().ToString();

    public static TheoryData<string, string, string, Credentials, string, int, string> Cases() => new()
    {
        // name, method, path, credentials, body, expected status, expected text
        { "malformed JSON", "POST", "/api/customers", Credentials.ApiKey, """{"name": "Asha", """, 400, "not valid JSON" },
        { "no API key", "POST", "/api/customers", Credentials.None, Customer, 401, "X-Api-Key" },
        { "wrong API key", "POST", "/api/customers", Credentials.WrongApiKey, Customer, 401, "X-Api-Key" },
        { "name of the wrong type", "POST", "/api/customers", Credentials.ApiKey, """{"name":42,"email":"n@example.com","city":"Pune"}""", 400, "Must be text" },
        { "invalid email", "POST", "/api/customers", Credentials.ApiKey, """{"name":"Asha","email":"asha-at-example","city":"Pune"}""", 400, "not a valid email" },
        { "phone of 9 digits", "POST", "/api/customers", Credentials.ApiKey, """{"name":"Asha","email":"p@example.com","phone":"987654321","city":"Pune"}""", 400, "10 digits" },
        { "name of one character", "POST", "/api/customers", Credentials.ApiKey, """{"name":"A","email":"a1@example.com","city":"Pune"}""", 400, "at least 2" },
        { "empty array", "POST", "/api/customers", Credentials.ApiKey, "[]", 400, "empty" },
        { "oversized array", "POST", "/api/customers", Credentials.ApiKey, "[" + string.Join(",", Enumerable.Repeat(Customer, 5_001)) + "]", 400, "At most 5000" },
        { "a bare string body", "POST", "/api/customers", Credentials.ApiKey, "\"hello\"", 400, "one object or an array" },
        { "order status not in the list", "POST", "/api/orders", Credentials.ApiKey, Order(status: "SHIPPED"), 400, "PENDING, COMPLETED, CANCELLED, REFUNDED" },
        { "negative amount", "POST", "/api/orders", Credentials.ApiKey, Order(amount: "-5"), 400, "zero or more" },
        { "amount as text", "POST", "/api/orders", Credentials.ApiKey, Order(amount: "\"100\""), 400, "Must be a number" },
        { "order without items", "POST", "/api/orders", Credentials.ApiKey, Order(items: "[]"), 400, "at least one item" },
        { "fractional quantity", "POST", "/api/orders", Credentials.ApiKey, Order(items: """[{"name":"Tea","quantity":1.5,"unitPrice":10}]"""), 400, "whole number" },
        { "item total not quantity x price", "POST", "/api/orders", Credentials.ApiKey, Order(items: """[{"name":"Tea","quantity":2,"unitPrice":10,"total":25}]"""), 400, "quantity × unitPrice" },
        { "unknown customer", "POST", "/api/orders", Credentials.ApiKey, Order(), 400, "No such customer" },
        { "unknown segment attribute", "POST", "/api/segments/preview", Credentials.Marketer, """{"combinator":"AND","rules":[{"attribute":"age","operator":">","value":3}]}""", 400, "rules.rules[0].attribute" },
        { "unknown operator", "POST", "/api/segments/preview", Credentials.Marketer, """{"combinator":"AND","rules":[{"attribute":"visit","operator":"~","value":3}]}""", 400, "Unknown operator" },
        { "ordering operator on text", "POST", "/api/segments/preview", Credentials.Marketer, """{"combinator":"AND","rules":[{"attribute":"city","operator":">","value":"Pune"}]}""", 400, "only be compared with = or !=" },
        { "text where a number belongs", "POST", "/api/segments/preview", Credentials.Marketer, """{"combinator":"AND","rules":[{"attribute":"total_spend","operator":">","value":"5000"}]}""", 400, "takes a number" },
        { "SQL fragment as a number", "POST", "/api/segments/preview", Credentials.Marketer, """{"combinator":"AND","rules":[{"attribute":"total_spend","operator":">","value":"0 OR 1=1"}]}""", 400, "takes a number" },
        { "bad combinator", "POST", "/api/segments/preview", Credentials.Marketer, """{"combinator":"XOR","rules":[]}""", 400, "\"AND\" or \"OR\"" },
        { "nesting deeper than 10", "POST", "/api/segments/preview", Credentials.Marketer, Nested(11), 400, "nested at most 10" },
        { "more than 200 rules", "POST", "/api/segments/preview", Credentials.Marketer, ManyRules(201), 400, "at most 200 rules" },
        { "unknown placeholder", "POST", "/api/campaigns", Credentials.Marketer, """{"name":"X","rules":{"combinator":"AND","rules":[]},"message":"Hi {{age}}"}""", 400, "Unknown placeholder {{age}}" },
        { "unclosed placeholder", "POST", "/api/campaigns", Credentials.Marketer, """{"name":"X","rules":{"combinator":"AND","rules":[]},"message":"Hi {{name"}""", 400, "not closed" },
        { "campaign without a name", "POST", "/api/campaigns", Credentials.Marketer, """{"rules":{"combinator":"AND","rules":[]},"message":"Hi"}""", 400, "name" },
        { "send rate of zero", "POST", "/api/campaigns", Credentials.Marketer, """{"name":"X","rules":{"combinator":"AND","rules":[]},"message":"Hi","sendRatePerSecond":0}""", 400, "sendRatePerSecond" },
        { "campaign with no audience", "POST", "/api/campaigns", Credentials.Marketer, """{"name":"X","rules":{"combinator":"AND","rules":[{"attribute":"city","operator":"=","value":"Atlantis"}]},"message":"Hi"}""", 422, "No customers match this segment." },
        { "receipts without a signature", "POST", "/api/receipts", Credentials.None, Receipts(), 401, "X-Vendor-Signature" },
        { "a preview without signing in", "POST", "/api/segments/preview", Credentials.None, """{"combinator":"AND","rules":[]}""", 401, "Sign in" },
        { "a launch without signing in", "POST", "/api/campaigns", Credentials.None, """{"name":"X","rules":{"combinator":"AND","rules":[]},"message":"Hi"}""", 401, "Sign in" },
        { "the customer list without signing in", "GET", "/api/customers", Credentials.None, "", 401, "Sign in" },
        { "301 empty groups", "POST", "/api/segments/preview", Credentials.Marketer, "{\"combinator\":\"OR\",\"rules\":[" + string.Join(",", Enumerable.Repeat("{\"combinator\":\"AND\",\"rules\":[]}", 301)) + "]}", 400, "at most 200 rules and groups" },
        { "a preview body past its 256 KiB limit", "POST", "/api/segments/preview", Credentials.Marketer, "{\"combinator\":\"AND\",\"rules\":[]" + new string(' ', 300_000) + "}", 413, "too large" },
        { "receipts with a wrong signature", "POST", "/api/receipts", Credentials.WrongSignature, Receipts(), 401, "does not match" },
        { "receipts signed too long ago", "POST", "/api/receipts", Credentials.StaleSignature, Receipts(), 401, "window" },
        { "receipt with an unknown status", "POST", "/api/receipts", Credentials.Signed, Receipts(status: "DELIVERED"), 400, "SENT or FAILED" },
        { "receipts signed at a timestamp past the calendar", "POST", "/api/receipts", Credentials.FarFutureSignature, Receipts(), 401, "window" },
        { "a lone surrogate in a rule value", "POST", "/api/segments/preview", Credentials.Marketer, """{"combinator":"AND","rules":[{"attribute":"city","operator":"=","value":"\udc00"}]}""", 400, "lone surrogate" },
        { "a NUL in a rule value", "POST", "/api/segments/preview", Credentials.Marketer, """{"combinator":"AND","rules":[{"attribute":"city","operator":"=","value":"a\u0000b"}]}""", 400, "NUL" },
        { "a lone surrogate as an operator", "POST", "/api/segments/preview", Credentials.Marketer, """{"combinator":"AND","rules":[{"attribute":"city","operator":"\ud800","value":"Pune"}]}""", 400, "Unknown operator" },
        { "a NUL in a campaign name", "POST", "/api/campaigns", Credentials.Marketer, """{"name":"Diwali\u0000","rules":{"combinator":"AND","rules":[]},"message":"Hi"}""", 400, "NUL" },
        { "a lone surrogate in a message", "POST", "/api/campaigns", Credentials.Marketer, """{"name":"Diwali","rules":{"combinator":"AND","rules":[]},"message":"Hi \udc00"}""", 400, "lone surrogate" },
        { "a NUL in an order id", "POST", "/api/orders", Credentials.ApiKey, Order(orderId: @"ORD\u0000"), 400, "NUL" },
        { "a NUL in a customer's name", "POST", "/api/customers", Credentials.ApiKey, """{"name":"Asha\u0000","email":"nul@example.com","city":"Pune"}""", 400, "NUL" },
        { "an item total larger than the database holds", "POST", "/api/orders", Credentials.ApiKey, Order(items: """[{"name":"Gold","quantity":1000000,"unitPrice":999999999.99}]"""), 400, "at most 999999999999.99" },
        { "a cursor that was never issued", "GET", "/api/customers?cursor=bm90LWEtY3Vyc29y", Credentials.Marketer, "", 400, "cursor" },
        { "order status filter not in the list", "GET", "/api/orders?status=SHIPPED", Credentials.Marketer, "", 400, "status" },
        { "log of a campaign that does not exist", "GET", $"/api/campaigns/{Unknown}/log", Credentials.Marketer, "", 404, "Not Found" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_input_gets_a_clear_4xx_and_changes_nothing(string name, string method, string path, Credentials credentials, string body, int status, string expected)
    {
        var before = await SnapshotAsync();
        using var http = fixture.AnonymousApi(); // each case brings its own credentials
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST")
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            // A large body is offered first, as a careful client uploads one: the Api refuses it by its length before it is
            // sent (413), instead of closing the connection under a client still sending it (a reset, about one run in fifty).
            request.Headers.ExpectContinue = body.Length > 64 * 1024;
        }

        Authenticate(request, credentials, body);
        using var response = await http.SendAsync(request);
        var text = Readable(await response.Content.ReadAsStringAsync());

        Assert.True(status == (int)response.StatusCode, $"{name}: expected {status}, got {(int)response.StatusCode}: {text}");
        Assert.Contains(expected, text);
        Assert.Contains("application/problem+json", response.Content.Headers.ContentType?.ToString());

        // Anything wrongly accepted would be on a topic: once every topic is consumed, it would be in the database.
        await fixture.WaitUntilQuietAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(before, await SnapshotAsync());
    }

    [Fact]
    public async Task A_cursor_whose_timestamp_carries_an_offset_is_read_as_that_instant()
    {
        // Two orders around the cursor's instant (04:30 UTC): one just after it, one just before. Read as 10:00 UTC (the
        // offset dropped), the page would start with the later one.
        await IngestDriver.EnsureCustomersAsync(fixture, 1);
        var customer = await fixture.ScalarAsync<Guid>("SELECT id FROM customers ORDER BY created_at LIMIT 1");
        var after = "cursor-after-" + Guid.NewGuid().ToString("N")[..8];
        var before = "cursor-before-" + Guid.NewGuid().ToString("N")[..8];
        using (var ingest = fixture.IngestingApi())
        {
            foreach (var (id, at) in new[] { (after, "2026-01-01T05:00:00Z"), (before, "2026-01-01T04:00:00Z") })
            {
                using var posted = await ingest.PostAsync("/api/orders", new StringContent(
                    $$"""{"orderId":"{{id}}","customerId":"{{customer}}","amount":10,"status":"COMPLETED","orderDate":"{{at}}","items":[{"name":"Tea","quantity":1,"unitPrice":10}]}""",
                    Encoding.UTF8, "application/json"));
                Assert.Equal(System.Net.HttpStatusCode.Accepted, posted.StatusCode);
            }
        }

        await AppHostFixture.EventuallyAsync(async () => await fixture.ScalarAsync<long>($"SELECT count(*) FROM orders WHERE id IN ('{after}', '{before}')") == 2,
            TimeSpan.FromSeconds(60), "both orders");

        using var http = fixture.Api();
        var cursor = System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes("2026-01-01T10:00:00+05:30\nORD-1"));
        using var response = await http.GetAsync($"/api/orders?cursor={cursor}&limit=100");
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        using var page = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var ids = page.RootElement.GetProperty("items").EnumerateArray().Select(o => o.GetProperty("id").GetString()!).ToList();
        var expected = await fixture.ScalarAsync<string>(
            "SELECT string_agg(id, ',' ORDER BY order_date DESC, id DESC) FROM (SELECT id, order_date FROM orders " +
            "WHERE order_date < '2026-01-01T04:30:00Z' OR (order_date = '2026-01-01T04:30:00Z' AND id < 'ORD-1') ORDER BY order_date DESC, id DESC LIMIT 100) o");
        Assert.Equal(expected, string.Join(",", ids));
        Assert.Contains(before, ids);
        Assert.DoesNotContain(after, ids);
    }

    [Fact]
    public async Task Sql_in_a_text_value_is_only_a_value()
    {
        var before = await SnapshotAsync();
        using var http = fixture.Api();
        using var response = await http.PostAsync("/api/segments/preview", new StringContent(
            """{"combinator":"OR","rules":[{"attribute":"city","operator":"=","value":"Pune'); DROP TABLE customers; --"}]}""",
            Encoding.UTF8, "application/json"));

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"count\":0", await response.Content.ReadAsStringAsync());
        Assert.Equal(before, await SnapshotAsync());
    }

    [Fact]
    public async Task A_full_batch_of_receipts_with_long_reasons_is_accepted_though_it_is_larger_than_one_kafka_message()
    {
        var campaign = Guid.NewGuid();
        var reason = new string('x', 500);
        var body = System.Text.Json.JsonSerializer.Serialize(new
        {
            receipts = Enumerable.Range(0, 5_000).Select(_ => new { campaignId = campaign, customerId = Guid.NewGuid(), status = "FAILED", deliveredAt = "2025-01-01T00:00:00Z", reason }),
        });
        Assert.InRange(body.Length, 2_000_000, 4_000_000); // over Kafka's 1 MB message limit, under the 4 MiB body limit

        using var http = fixture.Api();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/receipts") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        Authenticate(request, Credentials.Signed, body);
        using var response = await http.SendAsync(request);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        Assert.Contains("\"accepted\":5000", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_correctly_signed_receipt_is_accepted()
    {
        using var http = fixture.Api();
        var body = Receipts();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/receipts") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        Authenticate(request, Credentials.Signed, body);
        using var response = await http.SendAsync(request);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
    }

    /// <summary>The body as a client reads it: every JSON string and property name, unescaped.</summary>
    private static string Readable(string body)
    {
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(body);
            var parts = new List<string>();
            void Walk(System.Text.Json.JsonElement e)
            {
                switch (e.ValueKind)
                {
                    case System.Text.Json.JsonValueKind.Object:
                        foreach (var p in e.EnumerateObject()) { parts.Add(p.Name); Walk(p.Value); }
                        break;
                    case System.Text.Json.JsonValueKind.Array:
                        foreach (var i in e.EnumerateArray()) { Walk(i); }
                        break;
                    case System.Text.Json.JsonValueKind.String:
                        parts.Add(e.GetString()!);
                        break;
                }
            }

            Walk(json.RootElement);
            return string.Join("\n", parts);
        }
        catch (System.Text.Json.JsonException)
        {
            return body;
        }
    }

    private async Task<string> SnapshotAsync()
    {
        // Other tests' campaigns may still be settling (late duplicate receipts); compare a quiet database.
        await AppHostFixture.EventuallyAsync(async () => await fixture.ScalarAsync<long>("SELECT count(*) FROM campaigns WHERE status = 'RUNNING'") == 0,
            TimeSpan.FromMinutes(5), "every campaign to complete");
        return await CountsAsync();
    }

    private async Task<string> CountsAsync() => string.Join(",",
        await fixture.ScalarAsync<long>("SELECT count(*) FROM customers"),
        await fixture.ScalarAsync<long>("SELECT count(*) FROM orders"),
        await fixture.ScalarAsync<long>("SELECT count(*) FROM campaigns"),
        await fixture.ScalarAsync<long>("SELECT count(*) FROM communication_logs"),
        await fixture.ScalarAsync<long>("SELECT count(*) FROM communication_logs WHERE status <> 'PENDING'"));

    private void Authenticate(HttpRequestMessage request, Credentials credentials, string body)
    {
        switch (credentials)
        {
            case Credentials.Marketer:
                request.Headers.Add("Cookie", fixture.SessionCookie);
                break;
            case Credentials.ApiKey:
                request.Headers.Add("X-Api-Key", fixture.IngestApiKey);
                break;
            case Credentials.WrongApiKey:
                request.Headers.Add("X-Api-Key", "not-the-key");
                break;
            case Credentials.FarFutureSignature:
                request.Headers.Add("X-Vendor-Signature", "t=99999999999999,v1=00");
                break;
            case Credentials.Signed or Credentials.WrongSignature or Credentials.StaleSignature:
                fixture.SignAsVendor(request, body, DateTimeOffset.UtcNow.AddMinutes(credentials == Credentials.StaleSignature ? -10 : 0),
                    credentials == Credentials.WrongSignature ? "wrong-secret" : null);
                break;
        }
    }

    private static string Order(string status = "COMPLETED", string amount = "100", string? items = null, string? orderId = null) =>
        $$"""{"orderId":"{{orderId ?? "bad-" + Guid.NewGuid().ToString("N")}}","customerId":"{{Guid.NewGuid()}}","amount":{{amount}},"status":"{{status}}","items":{{items ?? """[{"name":"Tea","quantity":1,"unitPrice":100}]"""}}}""";

    private static string Receipts(string status = "SENT") =>
        $$"""{"receipts":[{"campaignId":"{{Guid.NewGuid()}}","customerId":"{{Guid.NewGuid()}}","status":"{{status}}","deliveredAt":"2025-01-01T00:00:00Z"}]}""";

    private static string Nested(int depth)
    {
        var json = """{"combinator":"AND","rules":[{"attribute":"visit","operator":">","value":1}]}""";
        for (var i = 1; i < depth; i++)
        {
            json = $$"""{"combinator":"OR","rules":[{{json}}]}""";
        }

        return json;
    }

    private static string ManyRules(int count) =>
        $$"""{"combinator":"OR","rules":[{{string.Join(",", Enumerable.Repeat("""{"attribute":"visit","operator":">","value":1}""", count))}}]}""";
}
