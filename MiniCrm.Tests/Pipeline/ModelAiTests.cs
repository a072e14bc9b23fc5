using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MiniCrm.Core.Ai;
using MiniCrm.Tests.Infrastructure;

namespace MiniCrm.Tests.Pipeline;

/// <summary>
/// The AI jobs through Semantic Kernel's real OpenAI connector, against a local OpenAI-compatible server
/// (<see cref="FakeOpenAi"/>): what the request carries, a good answer used, malformed or rule-breaking
/// answers refused for the offline one, a hanging model cut off at the configured timeout, and the calls
/// in the traces. Each test scripts the fake for a token only its own requests carry.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class ModelAiTests(AppHostFixture fixture)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private const string Compatible = AiProviders.OpenAICompatible;

    [Fact]
    public async Task Rules_from_words_send_the_prompt_file_and_a_json_schema_and_use_a_good_answer()
    {
        var token = Token();
        fixture.OpenAi.Script(token, new FakeOpenAiReply.Content(JsonSerializer.Serialize(new
        {
            combinator = "AND",
            rules = new[] { new { attribute = "total_spend", @operator = ">=", value = "7,777" } },
            groups = new[] { new { combinator = "OR", rules = new[] { new { attribute = "city", @operator = "=", value = "Pune" }, new { attribute = "city", @operator = "=", value = "Mumbai" } } } },
            unusedWords = new[] { "loyal", "baskets", "invented" },
        })));

        using var api = fixture.Api();
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/ai/rules") { Content = JsonContent.Create(new { text = $"loyal {token} shoppers in the west with big baskets" }) };
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        using var response = await api.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>(Json);

        // The model's rules, validated and in the canonical shape; only words the description has are reported unused.
        Assert.Equal(Compatible, answer.GetProperty("provider").GetString());
        Assert.Equal(FakeOpenAi.Model, answer.GetProperty("model").GetString());
        Assert.Equal(JsonValueKind.Null, answer.GetProperty("fallback").ValueKind);
        Assert.Equal("""{"combinator":"AND","rules":[{"attribute":"total_spend","operator":">=","value":7777},{"combinator":"OR","rules":[{"attribute":"city","operator":"=","value":"Pune"},{"attribute":"city","operator":"=","value":"Mumbai"}]}]}""",
            answer.GetProperty("rules").GetRawText());
        Assert.Equal(["loyal", "baskets"], answer.GetProperty("unused").EnumerateArray().Select(w => w.GetString()!).ToList());
        using (var preview = await api.PostAsJsonAsync("/api/segments/preview", answer.GetProperty("rules")))
        {
            Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
        }

        // What the connector sent: the key, the model, the prompt file rendered, the words, and a strict JSON schema.
        var sent = Assert.Single(fixture.OpenAi.Received(token));
        Assert.Equal($"Bearer {FakeOpenAi.ApiKey}", sent.Authorization);
        Assert.Equal(FakeOpenAi.Model, sent.Model);
        var system = sent.Message("system");
        Assert.StartsWith(AiPrompts.Source(AiPrompts.Rules)[..60], system);
        Assert.True(system.Contains("- total_spend: the customer's total spend", StringComparison.Ordinal), system);
        Assert.DoesNotContain("{{$", system);
        Assert.Contains(token, sent.Message("user"));
        var format = sent.Body.GetProperty("response_format");
        Assert.Equal("json_schema", format.GetProperty("type").GetString());
        var schema = format.GetProperty("json_schema").GetProperty("schema");
        Assert.Equal(["combinator", "groups", "rules", "unusedWords"], schema.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToList());
        Assert.True(format.GetProperty("json_schema").GetProperty("strict").GetBoolean());

        // The call is in the request's trace: our span with provider, model, outcome and tokens, and Semantic Kernel's own.
        List<CollectedSpan> Trace() => [.. fixture.Telemetry.Spans.Where(s => s.TraceId == traceId)];
        await AppHostFixture.EventuallyAsync(() => Task.FromResult(Trace().Any(s => s.Name == "ai rules") && Trace().Any(s => s.Name == $"chat {FakeOpenAi.Model}")),
            TimeSpan.FromSeconds(30), () => "the AI spans; seen: " + string.Join(", ", Trace().Select(s => s.Name)));
        var ai = Trace().Single(s => s.Name == "ai rules");
        Assert.Equal("api", ai.Service);
        Assert.Equal(Compatible, ai.Attributes["gen_ai.system"]);
        Assert.Equal(FakeOpenAi.Model, ai.Attributes["gen_ai.request.model"]);
        Assert.Equal("model", ai.Attributes["minicrm.ai.outcome"]);
        Assert.Equal(FakeOpenAi.PromptTokens.ToString(), ai.Attributes["gen_ai.usage.input_tokens"]);
        Assert.Equal(FakeOpenAi.CompletionTokens.ToString(), ai.Attributes["gen_ai.usage.output_tokens"]);
        var kernel = Trace().First(s => s.Name == $"chat {FakeOpenAi.Model}");
        Assert.Equal(FakeOpenAi.Model, kernel.Attributes["gen_ai.request.model"]);
    }

    [Fact]
    public async Task Rules_that_break_the_validator_are_never_used_the_offline_reader_answers_or_422_names_the_problem()
    {
        var token = Token();
        fixture.OpenAi.Script(token, new FakeOpenAiReply.Content("""{"combinator":"AND","rules":[{"attribute":"favourite_colour","operator":"=","value":"blue"}],"groups":[],"unusedWords":[]}"""));
        using var api = fixture.Api();

        using (var response = await api.PostAsJsonAsync("/api/ai/rules", new { text = $"{token} customers who spent over 5k" }))
        {
            var answer = await response.Content.ReadFromJsonAsync<JsonElement>(Json);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(AiProviders.Offline, answer.GetProperty("provider").GetString());
            Assert.Contains("favourite_colour", answer.GetProperty("fallback").GetString());
            Assert.Equal("""{"combinator":"AND","rules":[{"attribute":"total_spend","operator":">","value":5000}]}""", answer.GetProperty("rules").GetRawText());
        }

        // Words the offline reader finds no condition in either: the validator's message is the answer.
        using var nothing = await api.PostAsJsonAsync("/api/ai/rules", new { text = $"{token} people who like blue" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, nothing.StatusCode);
        var problem = await nothing.Content.ReadFromJsonAsync<JsonElement>(Json);
        Assert.Equal("The rules are not valid", problem.GetProperty("title").GetString());
        Assert.Contains("rules[0].attribute: Unknown attribute \"favourite_colour\"", problem.GetProperty("detail").GetString());
        Assert.Equal(2, fixture.OpenAi.Received(token).Count);
    }

    [Theory]
    [InlineData("malformed")]
    [InlineData("server error")]
    [InlineData("empty rules")]
    public async Task A_model_answer_that_cannot_be_used_gives_the_offline_answer_and_says_why(string failure)
    {
        var token = Token();
        fixture.OpenAi.Script(token, failure switch
        {
            "malformed" => new FakeOpenAiReply.Content("Sure! Customers in Pune, AND combinator."),
            "server error" => new FakeOpenAiReply.Status(500),
            _ => new FakeOpenAiReply.Content("""{"combinator":"AND","rules":[],"groups":[],"unusedWords":[]}"""),
        });
        using var api = fixture.Api();
        using var response = await api.PostAsJsonAsync("/api/ai/rules", new { text = $"{token} customers in Pune" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>(Json);
        Assert.Equal(AiProviders.Offline, answer.GetProperty("provider").GetString());
        Assert.Contains(failure switch { "malformed" => "not the JSON asked for", "server error" => "HTTP 500", _ => "no condition" }, answer.GetProperty("fallback").GetString());
        Assert.Equal("""{"combinator":"AND","rules":[{"attribute":"city","operator":"=","value":"Pune"}]}""", answer.GetProperty("rules").GetRawText());
        Assert.NotEmpty(fixture.OpenAi.Received(token));
    }

    [Fact]
    public async Task A_hanging_model_is_cut_off_at_the_configured_timeout_and_the_offline_answer_is_used()
    {
        var token = Token();
        fixture.OpenAi.Script(token, new FakeOpenAiReply.Hang());
        using var api = fixture.Api();
        var clock = Stopwatch.StartNew();
        using var response = await api.PostAsJsonAsync("/api/ai/rules", new { text = $"{token} customers in Pune" });
        clock.Stop();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>(Json);
        Assert.Equal(AiProviders.Offline, answer.GetProperty("provider").GetString());
        Assert.Contains($"no answer within {AppHostFixture.AiTimeoutSeconds} s", answer.GetProperty("fallback").GetString());
        Assert.Single(fixture.OpenAi.Received(token));
        // Cut off at the limit, not before it and not at some client default long after it.
        Assert.InRange(clock.Elapsed.TotalSeconds, AppHostFixture.AiTimeoutSeconds - 0.5, AppHostFixture.AiTimeoutSeconds + 10);
    }

    [Fact]
    public async Task Suggestions_with_unknown_placeholders_are_repaired_or_dropped_and_the_library_fills_the_gap()
    {
        var token = Token();
        fixture.OpenAi.Script(token, new FakeOpenAiReply.Content(JsonSerializer.Serialize(new
        {
            suggestions = new[] { "Hi {{name}}, the monsoon sale is on in {{city}}!", "{{ Name }}, stay dry with 10% off.", "Use code {{coupon}}, {{name}}!" },
        })));
        using var api = fixture.Api();
        using var response = await api.PostAsJsonAsync("/api/ai/messages", new { name = $"Monsoon {token}", objective = "10% off rainwear", audience = "Customers in Pune" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>(Json);
        var suggestions = answer.GetProperty("suggestions").EnumerateArray()
            .Select(s => (Text: s.GetProperty("text").GetString()!, Provider: s.GetProperty("provider").GetString()!)).ToList();

        Assert.Equal(Compatible, answer.GetProperty("provider").GetString());
        Assert.Equal(3, suggestions.Count);
        Assert.Equal(("Hi {{name}}, the monsoon sale is on in {{city}}!", Compatible), suggestions[0]);
        Assert.Equal(("{{name}}, stay dry with 10% off.", Compatible), suggestions[1]);
        Assert.Equal(AiProviders.Offline, suggestions[2].Provider);
        Assert.All(suggestions, s => Assert.DoesNotContain("coupon", s.Text));
        var user = Assert.Single(fixture.OpenAi.Received(token)).Message("user");
        Assert.Contains("10% off rainwear", user);
        Assert.Contains("Customers in Pune", user);
    }

    [Fact]
    public async Task A_campaign_gets_its_intent_from_the_model_and_its_summary_once_the_model_has_written_it()
    {
        var city = Token();
        fixture.OpenAi.Script(city, request => request.IsJob(AiPrompts.Intent)
            ? new FakeOpenAiReply.Content(JsonSerializer.Serialize(new { intent = $"Customers who live in {city}, as the model puts it" }))
            : new FakeOpenAiReply.Content(SummaryFrom(request, wrongNumbers: false)));
        await AddCustomersAsync(city, 4);

        using var api = fixture.Api();
        var launched = await LaunchAsync(api, $"Model summary {city}", city);
        Assert.Equal($"Customers who live in {city}, as the model puts it", launched.GetProperty("intent").GetString());
        Assert.Equal(Compatible, launched.GetProperty("intentProvider").GetString());

        var id = launched.GetProperty("id").GetGuid();
        var done = await SummarisedAsync(api, id);
        Assert.Equal(Compatible, done.GetProperty("summaryProvider").GetString());
        Assert.Equal($"The campaign reached {done.GetProperty("audienceSize").GetInt32()} customers. {done.GetProperty("sentCount").GetInt32()} were delivered and {done.GetProperty("failedCount").GetInt32()} failed.",
            done.GetProperty("summary").GetString());

        // The summary call is in the campaign's trace, under the Workers' "summarise campaign".
        var traceId = await fixture.ScalarAsync<string>($"SELECT split_part(trace_parent, '-', 2) FROM campaigns WHERE id = '{id}'");
        await AppHostFixture.EventuallyAsync(() => Task.FromResult(fixture.Telemetry.Spans.Any(s => s.TraceId == traceId && s.Service == "workers" && s.Name == "ai summary" &&
                s.Attributes.GetValueOrDefault("minicrm.ai.outcome") == "model")),
            TimeSpan.FromSeconds(30), "the summary's AI span in the campaign's trace");
        Assert.Contains(fixture.Telemetry.Spans, s => s.TraceId == traceId && s.Service == "workers" && s.Name == "summarise campaign");
    }

    /// <summary>
    /// Once its window has closed, the campaign's summary is written again with what it earned: the model gets the outcome
    /// in the facts, and its summary, checked against them, replaces the offline one.
    /// </summary>
    [Fact]
    public async Task Once_the_results_are_final_the_model_writes_the_summary_again_with_the_outcome()
    {
        var city = Token();
        fixture.OpenAi.Script(city, request => request.IsJob(AiPrompts.Summary)
            ? new FakeOpenAiReply.Content(SummaryFrom(request, wrongNumbers: false))
            : new FakeOpenAiReply.Status(503));
        await AddCustomersAsync(city, 6);
        using var api = fixture.Api();
        var launched = await LaunchAsync(api, $"Earned summary {city}", city);
        var id = launched.GetProperty("id").GetGuid();
        var done = await SummarisedAsync(api, id);
        Assert.DoesNotContain("ordered", done.GetProperty("summary").GetString());

        // Two of its customers buy the day after their message; then, as if it had finished nine days ago, its window closes.
        var buyers = await fixture.ListAsync($"SELECT customer_id, delivered_at FROM communication_logs WHERE campaign_id = '{id}' AND status = 'SENT' ORDER BY customer_id LIMIT 2",
            r => (Customer: r.GetGuid(0), At: new DateTimeOffset(r.GetDateTime(1), TimeSpan.Zero)));
        Assert.Equal(2, buyers.Count);
        using var ingest = fixture.IngestingApi();
        var orders = buyers.Select((b, i) => new { orderId = $"earned-{id:N}-{i}", customerId = b.Customer, amount = 120m, status = "COMPLETED", orderDate = b.At.AddMinutes(1),
            items = new[] { new { name = "Lamp", quantity = 1, unitPrice = 120m } } }).ToArray();
        Assert.Equal(HttpStatusCode.Accepted, (await ingest.PostAsJsonAsync("/api/orders", orders)).StatusCode);
        await CampaignResultsTests.ResultsWhenAsync(api, id, r => r.GetProperty("messaged").GetProperty("conversions").GetInt64() == 2, "2 conversions");
        await CampaignResultsTests.FinishedDaysAgoAsync(fixture, id, 9);
        await AppHostFixture.EventuallyAsync(async () => await fixture.ScalarAsync<bool>($"SELECT results_final_at IS NOT NULL AND summary_due_at IS NULL FROM campaigns WHERE id = '{id}'"),
            TimeSpan.FromSeconds(60), "the results final and the model's summary written again");
        var final = await api.GetFromJsonAsync<JsonElement>($"/api/campaigns/{id}", Json);
        Assert.Equal(Compatible, final.GetProperty("summaryProvider").GetString());
        Assert.EndsWith($"Within 7 days, 2 of the {final.GetProperty("sentCount").GetInt32()} messaged customers ordered.", final.GetProperty("summary").GetString());
        Assert.Contains(fixture.OpenAi.Received(city), r => r.Message("user").Contains("\"messagedWhoOrdered\":2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_model_summary_with_numbers_the_campaign_does_not_have_is_refused_and_the_offline_summary_stays()
    {
        var city = Token();
        fixture.OpenAi.Script(city, request => request.IsJob(AiPrompts.Summary)
            ? new FakeOpenAiReply.Content(SummaryFrom(request, wrongNumbers: true))
            : new FakeOpenAiReply.Status(503));
        await AddCustomersAsync(city, 3);

        using var api = fixture.Api();
        var launched = await LaunchAsync(api, $"Refused summary {city}", city);
        Assert.Equal(AiProviders.Offline, launched.GetProperty("intentProvider").GetString());
        Assert.Equal($"Customers in {city}", launched.GetProperty("intent").GetString());

        var done = await SummarisedAsync(api, launched.GetProperty("id").GetGuid());
        Assert.Equal(AiProviders.Offline, done.GetProperty("summaryProvider").GetString());
        Assert.StartsWith($"Refused summary {city} went to 3 customers: ", done.GetProperty("summary").GetString());
        // The model was asked (and refused), not skipped.
        Assert.Contains(fixture.OpenAi.Received(city), r => r.Message("user").Contains("\"audienceSize\":3", StringComparison.Ordinal));
    }

    /// <summary>A summary from the facts the Workers sent; with <paramref name="wrongNumbers"/>, a reach the campaign never had.</summary>
    private static string SummaryFrom(FakeOpenAiRequest request, bool wrongNumbers)
    {
        using var facts = JsonDocument.Parse(request.Message("user"));
        var audience = wrongNumbers ? 987_654 : facts.RootElement.GetProperty("audienceSize").GetInt32();
        var text = $"The campaign reached {audience} customers. {facts.RootElement.GetProperty("delivered").GetInt32()} were delivered and {facts.RootElement.GetProperty("failed").GetInt32()} failed.";
        if (facts.RootElement.TryGetProperty("outcome", out var outcome) && outcome.ValueKind == JsonValueKind.Object)
        {
            text += $" Within {outcome.GetProperty("attributionDays").GetInt32()} days, {outcome.GetProperty("messagedWhoOrdered").GetInt64()} of the " +
                    $"{outcome.GetProperty("messagedCustomers").GetInt64()} messaged customers ordered.";
        }

        return JsonSerializer.Serialize(new { summary = text });
    }

    private async Task<JsonElement> LaunchAsync(HttpClient api, string name, string city)
    {
        using var response = await api.PostAsJsonAsync("/api/campaigns", new
        {
            name,
            rules = new { combinator = "AND", rules = new[] { new { attribute = "city", @operator = "=", value = city } } },
            message = "Hi {{name}}",
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Json);
    }

    /// <summary>Completed, and the Workers done with its summary (asked the model and kept or replaced the offline one).</summary>
    private async Task<JsonElement> SummarisedAsync(HttpClient api, Guid id)
    {
        await CampaignTests.WaitForCompletionAsync(api, id, TimeSpan.FromMinutes(3));
        await AppHostFixture.EventuallyAsync(async () => await fixture.ScalarAsync<bool>($"SELECT summary_due_at IS NULL FROM campaigns WHERE id = '{id}'"),
            TimeSpan.FromSeconds(60), $"campaign {id}'s summary to be written");
        return await api.GetFromJsonAsync<JsonElement>($"/api/campaigns/{id}", Json);
    }

    private Task AddCustomersAsync(string city, int count) => TestCustomers.AddAsync(fixture, city, 0, count);

    /// <summary>A word of letters only (no digits, which a summary check would read as numbers), unique to one test.</summary>
    private static string Token() => "Tok" + new string([.. Guid.NewGuid().ToString("N")[..12].Select(c => (char)('a' + Convert.ToInt32(c.ToString(), 16)))]);
}
