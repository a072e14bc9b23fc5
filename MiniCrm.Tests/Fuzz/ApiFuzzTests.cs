using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MiniCrm.Tests.Infrastructure;
using Xunit.Abstractions;

namespace MiniCrm.Tests.Fuzz;

/// <summary>
/// Every input gets an answer: requests generated for every operation of the Api's own OpenAPI
/// document, then mutated (wrong types, huge and negative numbers, control characters, lone
/// surrogates, deep nesting, long strings, forged cursors), never get a 5xx; and what the 2xx
/// answers accepted is exactly what reaches the database, so no 4xx changed anything.
/// <c>MINICRM_FUZZ_REQUESTS</c> (default 5,000) and <c>MINICRM_FUZZ_SEED</c> (printed) repeat a run.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class ApiFuzzTests(AppHostFixture fixture, ITestOutputHelper output)
{
    private static readonly string[] Cities = ["Pune", "Delhi", "Mumbai", "Chennai", "pune"];
    private static readonly string[] Attributes = ["total_spend", "visit", "city", "last_order_date"];
    private static readonly string[] Operators = [">", "<", "=", ">=", "<=", "!="];
    private static readonly string[] Statuses = ["PENDING", "COMPLETED", "CANCELLED", "REFUNDED", "SENT", "FAILED"];

    [Fact]
    public async Task Generated_and_mutated_requests_for_every_operation_never_get_a_5xx_and_a_4xx_changes_nothing()
    {
        var count = int.Parse(Environment.GetEnvironmentVariable("MINICRM_FUZZ_REQUESTS") ?? "5000", CultureInfo.InvariantCulture);
        var seed = int.Parse(Environment.GetEnvironmentVariable("MINICRM_FUZZ_SEED") ?? Random.Shared.Next().ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        output.WriteLine($"fuzz: {count} requests, MINICRM_FUZZ_SEED={seed}");
        var random = new Random(seed);

        await IngestDriver.EnsureCustomersAsync(fixture, 10);
        // A session of its own, and no sign-out among the operations: signing out ends every session of the account
        // (SessionTests), which would leave the rest of the run anonymous, and other tests' shared session with it.
        using var http = fixture.AnonymousApi();
        http.DefaultRequestHeaders.Add("Cookie", await fixture.SignInAsync($"fuzz.{Guid.NewGuid():N}@minicrm.test", "Fuzz"));
        var document = JsonNode.Parse(await http.GetStringAsync("/openapi/v1.json"))!;
        var operations = Operations(document).Where(o => o.Path != "/auth/signout").ToList();
        Assert.Contains(operations, o => o.Path == "/api/customers" && o.Method == "POST");
        Assert.True(operations.Count >= 10, $"only {operations.Count} operations in the document");

        await fixture.WaitUntilQuietAsync(TimeSpan.FromMinutes(3));
        var before = await CountsAsync();
        var changedBy4xx = new List<string>();
        long customersAccepted = 0, ordersAccepted = 0, campaignsCreated = 0, draftsKept = 0;
        var statuses = new Dictionary<int, int>();
        var failures = new List<string>();
        for (var i = 0; i < count; i++)
        {
            if (i % 250 == 0)
            {
                await LoadIdsAsync(); // the real rows of the shared system, so a path's id reaches past the 404
            }

            var operation = operations[random.Next(operations.Count)];
            var (request, description) = Build(operation, document, random);
            var writes = operation.Method != "GET";
            var state = writes ? await StateAsync() : null;
            HttpResponseMessage answered;
            try
            {
                answered = await http.SendAsync(request);
            }
            catch (HttpRequestException ex)
            {
                // No answer at all is as much a failure as a 5xx: say which request it was.
                failures.Add($"no answer ({ex.InnerException?.Message ?? ex.Message}) for {description}");
                request.Dispose();
                continue;
            }

            using (request)
            using (var response = answered)
            {
                var status = (int)response.StatusCode;
                statuses[status] = statuses.GetValueOrDefault(status) + 1;
                var body = await response.Content.ReadAsStringAsync();
                if (status >= 500 && !(status == 503 && response.Headers.RetryAfter is not null))
                {
                    failures.Add($"{status} for {description}: {body[..Math.Min(body.Length, 300)]}");
                }
                else if (status is 201 or 202)
                {
                    var accepted = JsonNode.Parse(body)?["accepted"]?.GetValue<long>() ?? 0;
                    if (operation.Path == "/api/customers") customersAccepted += accepted;
                    else if (operation.Path == "/api/orders") ordersAccepted += accepted;
                    else if (operation.Path == "/api/campaigns" && operation.Method == "POST") campaignsCreated++;
                    else if (operation.Path == "/api/campaigns/drafts" && operation.Method == "POST") draftsKept++;
                }
                else if (status == 204 && operation.Method == "DELETE" && operation.Path.StartsWith("/api/campaigns/drafts/", StringComparison.Ordinal))
                {
                    draftsKept--;
                }

                if (writes && status is >= 400 and < 500 && await StateAsync() is var after && !after.SequenceEqual(state!))
                {
                    changedBy4xx.Add($"{status} for {description} changed {Difference(state!, after)}");
                }

                Assert.DoesNotContain(fixture.IngestApiKey, body);
            }
        }

        output.WriteLine("statuses: " + string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}")));
        Assert.True(failures.Count == 0, $"seed {seed}: {failures.Count} requests got a 5xx, first ones:\n" + string.Join("\n", failures.Take(10)));
        Assert.True(statuses.Keys.Count(s => s is >= 400 and < 500) >= 3, "the fuzzer produced too few kinds of refusal to be testing anything");
        Assert.True(changedBy4xx.Count == 0, $"seed {seed}: {changedBy4xx.Count} refused requests changed something:\n" + string.Join("\n", changedBy4xx.Take(10)));
        Assert.True(statuses.GetValueOrDefault(200) + statuses.GetValueOrDefault(204) > 0, "no request reached a real row: the ids drawn never matched");

        // What the 2xx answers accepted reaches the database, and nothing else does.
        await fixture.WaitUntilQuietAsync(TimeSpan.FromMinutes(3));
        Assert.Equal((before.Customers + customersAccepted, before.Orders + ordersAccepted, before.Campaigns + campaignsCreated, before.Drafts + draftsKept), await CountsAsync());
    }

    private async Task<(long Customers, long Orders, long Campaigns, long Drafts)> CountsAsync() => (
        await fixture.ScalarAsync<long>("SELECT count(*) FROM customers"),
        await fixture.ScalarAsync<long>("SELECT count(*) FROM orders"),
        await fixture.ScalarAsync<long>("SELECT count(*) FROM campaigns"),
        await fixture.ScalarAsync<long>("SELECT count(*) FROM campaign_drafts"));

    private readonly Dictionary<string, List<string>> ids = [];

    /// <summary>Real ids by the path they go in (longest prefix first), drawn from the shared system's rows.</summary>
    private async Task LoadIdsAsync()
    {
        async Task<List<string>> Of(string sql) =>
            [.. (await fixture.ScalarAsync<string>($"SELECT coalesce(string_agg(id::text, ','), '') FROM ({sql}) t")).Split(',', StringSplitOptions.RemoveEmptyEntries)];
        ids["/api/campaigns/drafts/"] = await Of("SELECT id FROM campaign_drafts ORDER BY random() LIMIT 50");
        ids["/api/campaigns/"] = await Of("SELECT id FROM campaigns ORDER BY random() LIMIT 50");
        ids["/api/segments/"] = await Of("SELECT id FROM segments ORDER BY random() LIMIT 50");
        ids["/api/customers/"] = await Of("SELECT id FROM customers ORDER BY random() LIMIT 50");
        ids["/api/imports/"] = await Of("SELECT id FROM imports ORDER BY random() LIMIT 50");
        // Stopped journeys only: a fuzzed activate or resume must not start messaging the shared system's customers.
        ids["/api/journeys/"] = await Of("SELECT id FROM journeys WHERE status = 'STOPPED' ORDER BY random() LIMIT 50");
    }

    private string PathId(string path, Random random)
    {
        var pool = ids.Where(p => path.StartsWith(p.Key, StringComparison.Ordinal)).OrderByDescending(p => p.Key.Length).Select(p => p.Value).FirstOrDefault();
        return random.Next(4) switch
        {
            0 => Garbage(random),
            1 => Guid.NewGuid().ToString(),
            _ when pool is { Count: > 0 } => pool[random.Next(pool.Count)],
            _ => Guid.NewGuid().ToString(),
        };
    }

    /// <summary>
    /// A checksum of every table a request can change at once (not what the Workers change meanwhile: counters, a
    /// campaign's progress, customers' figures, customers ingested through Kafka), table by table.
    /// </summary>
    private async Task<string[]> StateAsync() =>
    [
        // The customers a path can name (ingestion adds and updates others meanwhile, through Kafka).
        "customers " + await fixture.ScalarAsync<string>("SELECT md5(coalesce(string_agg(concat_ws('|', id, unsubscribed_at, unsubscribed_via), ',' ORDER BY id), '')) FROM customers WHERE id::text = ANY(string_to_array('" +
            string.Join(",", ids.GetValueOrDefault("/api/customers/") ?? []) + "', ','))"),
        "campaigns " + await fixture.ScalarAsync<string>("SELECT md5(coalesce(string_agg(concat_ws('|', id, name, segment, segment_id, message, send_at, time_zone, smart_sending, send_rate_per_second, created_by), ',' ORDER BY id), '')) FROM campaigns"),
        "campaign_events " + await fixture.ScalarAsync<string>("SELECT md5(coalesce(string_agg(concat_ws('|', id, campaign_id, status, changed_by), ',' ORDER BY id), '')) FROM campaign_events WHERE changed_by IS NOT NULL"),
        "campaign_drafts " + await fixture.ScalarAsync<string>("SELECT md5(coalesce(string_agg(concat_ws('|', id, content, updated_at, campaign_id), ',' ORDER BY id), '')) FROM campaign_drafts"),
        "segments " + await fixture.ScalarAsync<string>("SELECT md5(coalesce(string_agg(concat_ws('|', id, name, rules, updated_at), ',' ORDER BY id), '')) FROM segments"),
        "users " + await fixture.ScalarAsync<string>("SELECT md5(coalesce(string_agg(concat_ws('|', id, email, phone), ',' ORDER BY id), '')) FROM users"),
        "journeys " + await fixture.ScalarAsync<string>("SELECT md5(coalesce(string_agg(concat_ws('|', id, name, status, version, live_version), ',' ORDER BY id), '')) FROM journeys"),
        "journey_versions " + await fixture.ScalarAsync<long>("SELECT count(*) FROM journey_versions"),
        "imports " + await fixture.ScalarAsync<long>("SELECT count(*) FROM imports"),
        "idempotency_keys " + await fixture.ScalarAsync<long>("SELECT count(*) FROM idempotency_keys"),
    ];

    private static string Difference(string[] before, string[] after) =>
        string.Join(", ", before.Zip(after).Where(p => p.First != p.Second).Select(p => p.First.Split(' ')[0]));

    private sealed record Operation(string Method, string Path, JsonNode Node);

    private static IEnumerable<Operation> Operations(JsonNode document)
    {
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, node) in item!.AsObject())
            {
                if (method is "get" or "post" or "put" or "delete" or "patch")
                {
                    yield return new Operation(method.ToUpperInvariant(), path, node!);
                }
            }
        }
    }

    private (HttpRequestMessage Request, string Description) Build(Operation operation, JsonNode document, Random random)
    {
        var path = System.Text.RegularExpressions.Regex.Replace(operation.Path, @"\{[^}]+\}", m => PathId(operation.Path[..m.Index], random));
        var query = new List<string>();
        foreach (var parameter in operation.Node["parameters"]?.AsArray() ?? [])
        {
            if (parameter!["in"]?.GetValue<string>() == "query" && random.Next(2) == 0)
            {
                var name = parameter["name"]!.GetValue<string>();
                query.Add($"{name}={Uri.EscapeDataString(QueryValue(name, random))}");
            }
        }

        var request = new HttpRequestMessage(new HttpMethod(operation.Method), path + (query.Count > 0 ? "?" + string.Join("&", query) : ""));
        var body = "";
        if (operation.Node["requestBody"]?["content"]?["application/json"]?["schema"] is { } schema)
        {
            var value = Generate(schema, document, random, depth: 0, name: "");
            for (var mutations = random.Next(0, 4); mutations > 0; mutations--)
            {
                value = Mutate(value, random, depth: 0);
            }

            body = value?.ToJsonString() ?? "null";
            if (random.Next(20) == 0)
            {
                body = body[..random.Next(body.Length + 1)]; // cut short: malformed JSON
            }

            request.Content = new StringContent(body, Encoding.UTF8);
            // A large body may be refused (413) before it is read, and the server then closes the connection
            // under a client still uploading; a careful client asks first, as HTTP allows.
            request.Headers.ExpectContinue = body.Length > 4_096;
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(random.Next(25) == 0 ? "text/plain" : "application/json");
        }

        if (operation.Path is "/api/customers" or "/api/orders" && random.Next(10) != 0)
        {
            request.Headers.Add("X-Api-Key", fixture.IngestApiKey);
        }
        else if (operation.Path == "/api/receipts" && random.Next(10) != 0)
        {
            fixture.SignAsVendor(request, body);
        }

        return (request, $"{operation.Method} {request.RequestUri} {body[..Math.Min(body.Length, 200)]}");
    }

    private static JsonNode? Generate(JsonNode schema, JsonNode document, Random random, int depth, string name)
    {
        if (schema["$ref"]?.GetValue<string>() is { } reference)
        {
            schema = document["components"]!["schemas"]![reference.Split('/')[^1]]!;
        }

        var types = schema["type"] switch
        {
            JsonValue v => [v.GetValue<string>()],
            JsonArray a => a.Select(t => t!.GetValue<string>()).ToArray(),
            _ => schema["properties"] is not null ? ["object"] : ["string"],
        };
        var type = types.FirstOrDefault(t => t != "null") ?? "null";
        if (types.Contains("null") && random.Next(6) == 0)
        {
            return null;
        }

        switch (type)
        {
            case "object":
                var result = new JsonObject();
                foreach (var (property, propertySchema) in schema["properties"]?.AsObject() ?? [])
                {
                    if (depth < 4 || propertySchema?["$ref"] is null)
                    {
                        result[property] = Generate(propertySchema!, document, random, depth + 1, property);
                    }
                }

                return Simplify(result, name, random);
            case "array":
                var array = new JsonArray();
                for (var n = depth > 2 ? 0 : random.Next(0, 4); n > 0; n--)
                {
                    array.Add(Generate(schema["items"]!, document, random, depth + 1, name));
                }

                return array;
            case "integer":
                return random.Next(5) == 0 ? JsonValue.Create(random.NextInt64(long.MinValue, long.MaxValue)) : JsonValue.Create(random.Next(0, 2_000));
            case "number":
                return JsonValue.Create(Math.Round(random.NextDouble() * 20_000, 2));
            case "boolean":
                return JsonValue.Create(random.Next(2) == 0);
            default:
                return JsonValue.Create(Text(schema["format"]?.GetValue<string>(), name, random));
        }
    }

    /// <summary>A segment node is a group or a rule, rarely both: keep one side, as a real client sends.</summary>
    private static JsonObject Simplify(JsonObject node, string name, Random random)
    {
        if (node.ContainsKey("combinator") && node.ContainsKey("attribute") && random.Next(5) != 0)
        {
            foreach (var key in random.Next(2) == 0 ? new[] { "attribute", "operator", "value" } : ["combinator", "rules"])
            {
                node.Remove(key);
            }

            if (node.ContainsKey("attribute"))
            {
                node["value"] = node["attribute"]?.GetValue<string>() == "city" ? Cities[random.Next(Cities.Length)] : random.Next(0, 10_000);
            }
        }

        return node;
    }

    private static string Text(string? format, string name, Random random) => (format, name.ToLowerInvariant()) switch
    {
        ("uuid", _) => Guid.NewGuid().ToString(),
        ("date-time", _) => DateTimeOffset.UtcNow.AddDays(-random.Next(0, 400)).ToString("O", CultureInfo.InvariantCulture),
        (_, "email" or "customeremail") => $"fuzz.{Guid.NewGuid():N}@example.com",
        (_, "phone") => random.NextInt64(6_000_000_000, 9_999_999_999).ToString(CultureInfo.InvariantCulture),
        (_, "city") => Cities[random.Next(Cities.Length)],
        (_, "combinator") => random.Next(2) == 0 ? "AND" : "OR",
        (_, "attribute") => Attributes[random.Next(Attributes.Length)],
        (_, "operator") => Operators[random.Next(Operators.Length)],
        (_, "status") => Statuses[random.Next(Statuses.Length)],
        (_, "message") => "Hi {{name}} in {{city}}",
        (_, "orderid") => $"fuzz-{Guid.NewGuid():N}",
        _ => "Fuzz " + random.Next(1_000_000).ToString(CultureInfo.InvariantCulture),
    };

    private static string QueryValue(string name, Random random) => random.Next(8) switch
    {
        0 => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{DateTimeOffset.UtcNow.AddHours(random.Next(-5000, 5000)):O}\n{Guid.NewGuid()}")).TrimEnd('='),
        1 => Convert.ToBase64String(Encoding.UTF8.GetBytes(Garbage(random) + "\n" + Garbage(random))).TrimEnd('=').Replace('+', '-').Replace('/', '_'),
        2 => random.NextInt64(long.MinValue, long.MaxValue).ToString(CultureInfo.InvariantCulture),
        3 => Garbage(random),
        4 => """{"combinator":"AND","rules":[{"attribute":"city","operator":"=","value":"Pune"}]}""",
        5 => Statuses[random.Next(Statuses.Length)],
        6 => Guid.NewGuid().ToString(),
        _ => random.Next(-10, 1_000).ToString(CultureInfo.InvariantCulture),
    };

    private static string Garbage(Random random) => random.Next(8) switch
    {
        0 => "\u0000",
        1 => "\udc00x",
        2 => new string('a', random.Next(100, 20_000)),
        3 => "'; DROP TABLE customers; --",
        4 => "{{name",
        5 => "🙂\u202e\u0007",
        6 => "",
        _ => " ",
    };

    private static JsonNode? Mutate(JsonNode? node, Random random, int depth)
    {
        // Walk down to a random place now and then; replace it with something it should not be.
        if (node is JsonObject obj && obj.Count > 0 && random.Next(3) != 0)
        {
            var key = obj.ElementAt(random.Next(obj.Count)).Key;
            obj[key] = Mutate(obj[key]?.DeepClone(), random, depth + 1);
            return obj;
        }

        if (node is JsonArray arr && arr.Count > 0 && random.Next(3) != 0)
        {
            var index = random.Next(arr.Count);
            var replaced = Mutate(arr[index]?.DeepClone(), random, depth + 1);
            arr.RemoveAt(index);
            arr.Insert(index, replaced);
            return arr;
        }

        return random.Next(12) switch
        {
            0 => null,
            1 => JsonValue.Create(Garbage(random)),
            2 => JsonValue.Create(random.Next(2) == 0 ? 1e300 : -1e300),
            3 => JsonValue.Create(decimal.MaxValue),
            4 => JsonValue.Create(-random.Next(1, 1_000_000)),
            5 => new JsonArray(Enumerable.Range(0, random.Next(1, 6000)).Select(_ => (JsonNode?)JsonValue.Create(1)).ToArray()),
            6 => Deep(random.Next(5, 80)),
            7 => JsonValue.Create(true),
            8 => new JsonObject { ["unexpected"] = "field" },
            9 => JsonValue.Create(0.000000001),
            10 => JsonValue.Create("\\udc00"),
            _ => JsonValue.Create(new string('é', random.Next(1, 5_000))),
        };
    }

    private static JsonNode Deep(int depth)
    {
        JsonNode node = new JsonObject { ["attribute"] = "visit", ["operator"] = ">", ["value"] = 1 };
        for (var i = 0; i < depth; i++)
        {
            node = new JsonObject { ["combinator"] = "OR", ["rules"] = new JsonArray(node) };
        }

        return node;
    }
}
