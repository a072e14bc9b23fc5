using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.Testing;
using MiniCrm.Core.Messaging;
using MiniCrm.ServiceDefaults.Kafka;
using MiniCrm.Tests.Infrastructure;
using static MiniCrm.Tests.Infrastructure.JourneyDriver;

namespace MiniCrm.Tests.Pipeline;

/// <summary>
/// Journeys on the shared system: started by the pipeline (a customer created, a first order, an audience entered by a new
/// order), each step once per customer, goals that take customers out, pause and resume. Each test stops its journeys, so
/// the customers and orders of the tests after it start nothing.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class JourneyTests(AppHostFixture fixture)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task A_welcome_journey_messages_each_new_customer_once_whatever_the_pipeline_repeats()
    {
        using var api = fixture.Api();
        var journey = await StartAsync(api, "Welcome " + Guid.NewGuid().ToString("N")[..6],
            new { trigger = new { kind = "CUSTOMER_CREATED" }, steps = new[] { Wait(1), Send("Welcome, {{first_name}}! {{unsubscribe_url}}") } });
        try
        {
            var city = await TestCustomers.InNewCityAsync(fixture, "Welcome", 25);
            var customers = await fixture.ListAsync($"SELECT id FROM customers WHERE city = '{city}' ORDER BY id", r => r.GetGuid(0));

            // The same customers again, as a source that retries sends them (refused: they exist), and their stored
            // messages again on the topic, as a redelivery after a crash gives them.
            using (var ingest = fixture.IngestingApi())
            {
                var again = Enumerable.Range(0, 25).Select(i => new { name = $"Customer {i} of {city}", email = $"{city}.{i}@minicrm.test", city }).ToArray();
                using var refused = await ingest.PostAsJsonAsync("/api/customers", again);
                Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
                Assert.Contains("exists already", await refused.Content.ReadAsStringAsync());
            }

            var stored = await fixture.ListAsync($"SELECT id, name, email, created_at FROM customers WHERE city = '{city}'",
                r => new CustomerSubmitted(r.GetGuid(0), r.GetString(1), r.GetString(2), null, city, r.GetFieldValue<DateTimeOffset>(3)));
            await using (var kafka = new KafkaTestProducer(await fixture.App.GetConnectionStringAsync("kafka") ?? ""))
            {
                foreach (var customer in stored.Concat(stored))
                {
                    await kafka.ProduceJsonAsync(KafkaTopics.Customers, customer.CustomerId.ToString(), customer);
                }
            }

            // Once every topic is consumed and every message has its receipt:
            await fixture.WaitUntilQuietAsync(TimeSpan.FromMinutes(2));
            await AppHostFixture.EventuallyAsync(async () => (await MessagesAsync(fixture, journey)).Count(m => m.Status is "SENT" or "FAILED") == 25,
                TimeSpan.FromMinutes(2), "25 welcome messages with their receipts");

            var messages = await MessagesAsync(fixture, journey);
            Assert.Equal(customers, messages.Select(m => m.Customer).Order());
            Assert.All(messages, m => Assert.StartsWith("Welcome, Customer! http", m.Message));
            Assert.All(await EnrolmentsAsync(fixture, journey), e => Assert.Equal((null, "COMPLETED", 1), (e.Step, e.ExitReason, e.Entries)));

            // The vendor got each message once, as the customer reads it.
            using var vendor = fixture.WithOpsKey("vendorsim");
            var campaigns = await fixture.ListAsync($"SELECT l.campaign_id, l.customer_id FROM communication_logs l JOIN campaigns c ON c.id = l.campaign_id WHERE c.journey_id = '{journey}'",
                r => (r.GetGuid(0), r.GetGuid(1)));
            foreach (var (campaign, customer) in campaigns.Take(5))
            {
                var inbox = await vendor.GetFromJsonAsync<JsonElement>($"/deliveries/{DeliveryIds.For(campaign, customer)}", Json);
                Assert.StartsWith("Welcome, Customer!", inbox.GetProperty("message").GetString());
            }

            var view = await GetAsync(api, journey);
            var counts = view.GetProperty("journey").GetProperty("counts");
            Assert.Equal(25, counts.GetProperty("entered").GetInt64());
            Assert.Equal(25, counts.GetProperty("completed").GetInt64());
            Assert.Equal(25, counts.GetProperty("messagesSent").GetInt64() + counts.GetProperty("messagesFailed").GetInt64());
            Assert.Equal(0, counts.GetProperty("inside").GetInt64());
            var send = view.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("type").GetString() == "SEND");
            Assert.Equal(counts.GetProperty("messagesSent").GetInt64(), send.GetProperty("sent").GetInt64());

            // A journey's messages are its own: not in the campaigns list.
            var listed = await api.GetFromJsonAsync<JsonElement>("/api/campaigns?limit=100", Json);
            Assert.DoesNotContain(listed.GetProperty("items").EnumerateArray(), c => campaigns.Any(x => x.Item1 == c.GetProperty("id").GetGuid()));
        }
        finally
        {
            await StopQuietlyAsync(api, journey);
        }
    }

    [Fact]
    public async Task A_first_order_journey_takes_out_a_customer_who_orders_again_before_its_second_message()
    {
        using var api = fixture.Api();
        var city = await TestCustomers.InNewCityAsync(fixture, "FirstOrder", 2);
        var (again, once) = await TwoOfAsync(city);
        var journey = await StartAsync(api, "First order " + city, new
        {
            trigger = new { kind = "ORDER_PLACED", firstOrder = true },
            goal = "ORDER_PLACED",
            steps = new[] { Send("Thank you for your first order, {{first_name}}"), Wait(8), Send("How was it? 10% off your next one") },
        });
        try
        {
            using var ingest = fixture.IngestingApi();
            await OrderAsync(ingest, again, "first-" + city, 40);
            await OrderAsync(ingest, once, "first-b-" + city, 40);
            await AppHostFixture.EventuallyAsync(async () => (await MessagesAsync(fixture, journey)).Count == 2, TimeSpan.FromSeconds(60), "two thank-you messages");

            // The second order, stored well before the 8-second wait ends: its customer has met the goal and leaves.
            await OrderAsync(ingest, again, "second-" + city, 25);
            await AppHostFixture.EventuallyAsync(async () => (await EnrolmentsAsync(fixture, journey)).All(e => e.ExitReason is not null),
                TimeSpan.FromSeconds(60), "both out of the journey");

            var enrolments = (await EnrolmentsAsync(fixture, journey)).ToDictionary(e => e.Customer);
            Assert.Equal("GOAL", enrolments[again].ExitReason);
            Assert.Equal("COMPLETED", enrolments[once].ExitReason);
            var messages = await MessagesAsync(fixture, journey);
            Assert.Equal(["1"], messages.Where(m => m.Customer == again).Select(m => m.Step));
            Assert.Equal(["1", "3"], messages.Where(m => m.Customer == once).Select(m => m.Step));
            var counts = (await GetAsync(api, journey)).GetProperty("journey").GetProperty("counts");
            Assert.Equal((2, 1, 1), (counts.GetProperty("entered").GetInt64(), counts.GetProperty("goalMet").GetInt64(), counts.GetProperty("completed").GetInt64()));

            // Her second order was not a first order: she did not enter again.
            Assert.Equal(1, enrolments[again].Entries);
        }
        finally
        {
            await StopQuietlyAsync(api, journey);
        }
    }

    [Fact]
    public async Task An_audience_entry_journey_starts_once_when_a_new_order_takes_a_customer_over_the_threshold()
    {
        using var api = fixture.Api();
        var city = await TestCustomers.InNewCityAsync(fixture, "Gold", 3);
        var ids = await fixture.ListAsync($"SELECT id FROM customers WHERE city = '{city}' ORDER BY email", r => r.GetGuid(0));
        var (crosses, stays, already) = (ids[0], ids[1], ids[2]);
        using var ingest = fixture.IngestingApi();
        await OrderAsync(ingest, crosses, "c1-" + city, 4_000);
        await OrderAsync(ingest, stays, "s1-" + city, 1_000);
        await OrderAsync(ingest, already, "a1-" + city, 6_000);
        await AppHostFixture.EventuallyAsync(async () => await fixture.ScalarAsync<decimal>($"SELECT sum(total_spend) FROM customers WHERE city = '{city}'") == 11_000m,
            TimeSpan.FromSeconds(60), "the first orders stored");

        using var saved = await api.PostAsJsonAsync("/api/segments", new { name = "Gold of " + city, rules = CityRules(city, new { attribute = "total_spend", @operator = ">", value = 5000 }) });
        Assert.Equal(HttpStatusCode.Created, saved.StatusCode);
        var segment = (await saved.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("id").GetGuid();
        var journey = await StartAsync(api, "Gold " + city, new { trigger = new { kind = "AUDIENCE_ENTERED", segmentId = segment }, steps = new[] { Send("Welcome to gold, {{name}}") } });
        try
        {
            // Over 5,000 by a new order; a further order keeps her in (no new entry); one stays under; one was in before.
            await OrderAsync(ingest, crosses, "c2-" + city, 2_000);
            await OrderAsync(ingest, stays, "s2-" + city, 500);
            await OrderAsync(ingest, already, "a2-" + city, 700);
            await AppHostFixture.EventuallyAsync(async () => await fixture.ScalarAsync<decimal>($"SELECT sum(total_spend) FROM customers WHERE city = '{city}'") == 14_200m,
                TimeSpan.FromSeconds(60), "the second orders stored");
            await OrderAsync(ingest, crosses, "c3-" + city, 300);
            await AppHostFixture.EventuallyAsync(async () => await fixture.ScalarAsync<decimal>($"SELECT total_spend FROM customers WHERE id = '{crosses}'") == 6_300m,
                TimeSpan.FromSeconds(60), "the third order stored");
            await AppHostFixture.EventuallyAsync(async () => (await MessagesAsync(fixture, journey)).Any(m => m.Status != "PENDING"), TimeSpan.FromSeconds(60), "the gold message's receipt");

            var messages = await MessagesAsync(fixture, journey);
            var message = Assert.Single(messages);
            Assert.Equal(crosses, message.Customer);
            Assert.Equal($"Welcome to gold, Customer 0 of {city}", message.Message);
            var enrolment = Assert.Single(await EnrolmentsAsync(fixture, journey));
            Assert.Equal((crosses, 1), (enrolment.Customer, enrolment.Entries));

            // The version keeps the audience's rules as they were: changing the saved audience changes no journey.
            var view = await GetAsync(api, journey);
            Assert.Contains("5000", view.GetProperty("definition").GetProperty("trigger").GetProperty("rules").GetRawText());
        }
        finally
        {
            await StopQuietlyAsync(api, journey);
        }
    }

    [Fact]
    public async Task A_paused_journey_sends_nothing_while_paused_and_resumes_every_waiting_customer()
    {
        using var api = fixture.Api();
        var held = await TestCustomers.InNewCityAsync(fixture, "Paused", 30);
        var witnessed = await TestCustomers.InNewCityAsync(fixture, "Witness", 5);
        var paused = await StartAsync(api, "Paused " + held, new { trigger = new { kind = "AUDIENCE_NOW", rules = CityRules(held) }, steps = new[] { Wait(3), Send("Still here, {{first_name}}?") } });
        await AppHostFixture.EventuallyAsync(async () => (await EnrolmentsAsync(fixture, paused)).Count == 30, TimeSpan.FromSeconds(30), "30 customers entered");
        var pausedView = await ActAsync(api, paused, "pause");
        Assert.Equal("PAUSED", pausedView.GetProperty("journey").GetProperty("status").GetString());
        Assert.Equal(30, pausedView.GetProperty("steps")[0].GetProperty("inStepNow").GetInt64());
        Guid witness = default;
        try
        {
            // A journey of the same shape activated after the pause: once the runner has moved its customers on, it has
            // passed the paused journey's customers, whose wait is over too, and left them where they were.
            witness = await StartAsync(api, "Witness " + witnessed, new { trigger = new { kind = "AUDIENCE_NOW", rules = CityRules(witnessed) }, steps = new[] { Wait(3), Send("Hello") } });
            await AppHostFixture.EventuallyAsync(async () => (await MessagesAsync(fixture, witness)).Count == 5, TimeSpan.FromSeconds(60), "the witness journey's 5 messages");
            Assert.Equal(0L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM journey_enrolments WHERE journey_id = '{paused}' AND due_at > now()"));
            Assert.Empty(await MessagesAsync(fixture, paused));
            Assert.All(await EnrolmentsAsync(fixture, paused), e => Assert.Equal(("1", null), (e.Step, e.ExitReason)));

            // Pausing twice is refused, and says why.
            var again = await ActAsync(api, paused, "pause", HttpStatusCode.Conflict);
            Assert.Contains("ACTIVE", again.GetProperty("detail").GetString());

            await ActAsync(api, paused, "resume");
            var afterResume = "";
            await AppHostFixture.EventuallyAsync(async () =>
            {
                var sent = await MessagesAsync(fixture, paused);
                afterResume = $"messages {string.Join(", ", sent.GroupBy(m => m.Status).Select(g => $"{g.Key} {g.Count()}"))}; enrolments " +
                              string.Join(", ", (await EnrolmentsAsync(fixture, paused)).GroupBy(e => (e.Step, e.ExitReason)).Select(g => $"{g.Key} {g.Count()}"));
                return sent.Count(m => m.Status is "SENT" or "FAILED") == 30; // the vendor fails some, as a real one does
            }, TimeSpan.FromSeconds(60), () => "30 messages after the resume; " + afterResume);
            var messages = await MessagesAsync(fixture, paused);
            Assert.Equal(30, messages.Select(m => m.Customer).Distinct().Count());
            Assert.All(await EnrolmentsAsync(fixture, paused), e => Assert.Equal("COMPLETED", e.ExitReason));
        }
        finally
        {
            await StopQuietlyAsync(api, paused);
            await StopQuietlyAsync(api, witness);
        }
    }

    [Fact]
    public async Task A_live_journey_edited_keeps_its_customers_on_their_version_and_stopping_ends_every_enrolment()
    {
        using var api = fixture.Api();
        var city = await TestCustomers.InNewCityAsync(fixture, "Versions", 4);
        var journey = await StartAsync(api, "Versions " + city, new { trigger = new { kind = "AUDIENCE_NOW", rules = CityRules(city) }, steps = new[] { Wait(1, "HOURS"), Send("Version one") } });
        await AppHostFixture.EventuallyAsync(async () => (await EnrolmentsAsync(fixture, journey)).Count == 4, TimeSpan.FromSeconds(30), "4 customers entered");

        using (var edit = await api.PutAsJsonAsync($"/api/journeys/{journey}", new { definition = new { trigger = new { kind = "AUDIENCE_NOW", rules = CityRules(city) }, steps = new[] { Send("Version two") } } }))
        {
            var body = await edit.Content.ReadAsStringAsync();
            Assert.True(edit.StatusCode == HttpStatusCode.OK, body);
            var view = JsonDocument.Parse(body).RootElement;
            Assert.Equal((2, 2), (view.GetProperty("journey").GetProperty("version").GetInt32(), view.GetProperty("journey").GetProperty("liveVersion").GetInt32()));
            Assert.Equal(4, view.GetProperty("inOlderVersions").GetInt64());
            Assert.Equal([2, 1], view.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("version").GetInt32()));
        }

        // The customers inside still wait in version one.
        Assert.Equal(4L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM journey_enrolments WHERE journey_id = '{journey}' AND version = 1 AND step = '1' AND exited_at IS NULL"));

        // What version one said can still be read, with its customers on its steps; the latest is read by default; a version
        // the journey never had is not found.
        var first = await api.GetFromJsonAsync<JsonElement>($"/api/journeys/{journey}?version=1");
        Assert.Equal(1, first.GetProperty("shownVersion").GetInt32());
        Assert.Contains("Version one", first.GetProperty("definition").GetRawText());
        Assert.Equal(4, first.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("id").GetString() == "1").GetProperty("inStepNow").GetInt64());
        var latest = await GetAsync(api, journey);
        Assert.Equal(2, latest.GetProperty("shownVersion").GetInt32());
        Assert.Contains("Version two", latest.GetProperty("definition").GetRawText());
        using (var missing = await api.GetAsync($"/api/journeys/{journey}?version=3"))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        var stopped = await ActAsync(api, journey, "stop");
        Assert.Equal("STOPPED", stopped.GetProperty("journey").GetProperty("status").GetString());
        Assert.All(await EnrolmentsAsync(fixture, journey), e => Assert.Equal((null, "STOPPED"), (e.Step, e.ExitReason)));
        Assert.Equal(4, stopped.GetProperty("journey").GetProperty("counts").GetProperty("stopped").GetInt64());
        using var edited = await api.PutAsJsonAsync($"/api/journeys/{journey}", new { name = "Too late" });
        Assert.Equal(HttpStatusCode.Conflict, edited.StatusCode);

        // The audit trail has each change, and the journey's history shows them.
        var history = (await GetAsync(api, journey)).GetProperty("history").EnumerateArray().Select(h => h.GetProperty("action").GetString()).ToList();
        Assert.Equal(["Stopping a journey", "Changing a journey (a new version)", "Activating a journey", "Creating a journey"], history);
    }

    [Fact]
    public async Task An_inactivity_journey_enters_customers_as_their_quiet_spell_ends_and_its_outcomes_equal_a_count_in_sql()
    {
        using var api = fixture.Api();
        var city = await TestCustomers.InNewCityAsync(fixture, "Quiet", 24);
        var ids = await fixture.ListAsync($"SELECT id FROM customers WHERE city = '{city}' ORDER BY email", r => r.GetGuid(0));
        var (quiet, back) = (ids[..20], ids[20..]);

        // Each customer's last order was 47 days ago, less 40 s: their quiet spell of 47 days ends 40 s from now.
        const int Days = 47;
        var ends = DateTimeOffset.UtcNow.AddSeconds(40);
        using var ingest = fixture.IngestingApi();
        foreach (var customer in ids)
        {
            await OrderAsync(ingest, customer, $"old-{customer:N}", 10, ends.AddDays(-Days));
        }

        await AppHostFixture.EventuallyAsync(async () => await fixture.ScalarAsync<long>($"SELECT count(*) FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.city = '{city}'") == 24,
            TimeSpan.FromSeconds(30), "the old orders stored");
        var journey = await StartAsync(api, "Win back " + city, new
        {
            trigger = new { kind = "INACTIVE", days = Days },
            holdoutPercent = 50,
            steps = new[] { Send("We miss you, {{first_name}}") },
        });
        try
        {
            // Four come back before their spell ends: a new order moves their timer 47 days on, so they never enter.
            foreach (var customer in back)
            {
                await OrderAsync(ingest, customer, $"back-{customer:N}", 20);
            }

            await AppHostFixture.EventuallyAsync(async () => await fixture.ScalarAsync<long>(
                    $"SELECT count(*) FROM journey_timers t JOIN customers c ON c.id = t.customer_id WHERE t.journey_id = '{journey}' AND c.city = '{city}' AND t.due_at > now() + interval '46 days'") == 4,
                TimeSpan.FromSeconds(30), "the returning customers' timers moved on");
            Assert.True(DateTimeOffset.UtcNow < ends, "the test was too slow to order before the quiet spells ended");

            // The other twenty enter once their spell ends, each once: half of them (by the hold-out split) messaged, half held out.
            await AppHostFixture.EventuallyAsync(async () => (await MessagesAsync(fixture, journey)).Count(m => quiet.Contains(m.Customer) && m.Status != "PENDING") == 20,
                TimeSpan.FromSeconds(90), "the twenty quiet customers messaged or held out, with their receipts");
            var enrolments = (await EnrolmentsAsync(fixture, journey)).Where(e => ids.Contains(e.Customer)).ToList();
            Assert.Equal(quiet.Order(), enrolments.Select(e => e.Customer).Order());
            Assert.All(enrolments, e => Assert.Equal((1, "COMPLETED"), (e.Entries, e.ExitReason)));
            Assert.True(await fixture.ScalarAsync<DateTime>($"SELECT min(e.entered_at) FROM journey_enrolments e JOIN customers c ON c.id = e.customer_id WHERE e.journey_id = '{journey}' AND c.city = '{city}'") >= ends.UtcDateTime.AddSeconds(-1),
                "nobody entered before their quiet spell ended");
            var messages = (await MessagesAsync(fixture, journey)).Where(m => quiet.Contains(m.Customer)).ToList();
            var sent = messages.Where(m => m.Status == "SENT").Select(m => m.Customer).ToList();
            var held = messages.Where(m => m.Status == "HELD_OUT").Select(m => m.Customer).ToList();
            Assert.NotEmpty(sent);
            Assert.NotEmpty(held);

            // Every second messaged and every second held-out customer orders again: the journey's conversions and revenue
            // are what SQL counts from the log and the orders (the campaigns' definition: COMPLETED orders after the delivery,
            // or for the held out after the send, within the window).
            var buyers = sent.Where((_, i) => i % 2 == 0).Concat(held.Where((_, i) => i % 2 == 0)).ToList();
            for (var i = 0; i < buyers.Count; i++)
            {
                await OrderAsync(ingest, buyers[i], $"won-{buyers[i]:N}", 30 + i);
            }

            string Window(string group) => $"""
                FROM communication_logs l JOIN campaigns c ON c.id = l.campaign_id AND c.journey_id = '{journey}'
                JOIN orders o ON o.customer_id = l.customer_id AND o.status = 'COMPLETED'
                 AND o.order_date > CASE WHEN l.status = 'HELD_OUT' THEN c.prepared_at ELSE l.delivered_at END
                 AND o.order_date <= CASE WHEN l.status = 'HELD_OUT' THEN c.prepared_at ELSE l.delivered_at END + make_interval(days => c.attribution_days)
                WHERE l.status = '{group}'
                """;
            await AppHostFixture.EventuallyAsync(async () => await fixture.ScalarAsync<long>($"SELECT count(*) FROM orders WHERE id LIKE 'won-%' AND customer_id = ANY(ARRAY['{string.Join("','", buyers)}']::uuid[])") == buyers.Count,
                TimeSpan.FromSeconds(30), "the orders stored");
            var conversions = await fixture.ScalarAsync<long>($"SELECT count(DISTINCT (l.campaign_id, l.customer_id)) {Window("SENT")}");
            var revenue = await fixture.ScalarAsync<decimal>($"SELECT coalesce(sum(o.amount), 0) {Window("SENT")}");
            var heldConversions = await fixture.ScalarAsync<long>($"SELECT count(DISTINCT (l.campaign_id, l.customer_id)) {Window("HELD_OUT")}");

            // The test's own arithmetic for its customers (the old orders were before the message; the shared system's other
            // customers could enter too, should a quiet spell of theirs end meanwhile, so the journey's figures are SQL's above).
            var mine = $"AND l.customer_id IN (SELECT id FROM customers WHERE city = '{city}')";
            Assert.Equal((sent.Count + 1) / 2, await fixture.ScalarAsync<long>($"SELECT count(DISTINCT l.customer_id) {Window("SENT")} {mine}"));
            Assert.Equal((held.Count + 1) / 2, await fixture.ScalarAsync<long>($"SELECT count(DISTINCT l.customer_id) {Window("HELD_OUT")} {mine}"));

            JsonElement view = default;
            await AppHostFixture.EventuallyAsync(async () =>
            {
                view = await GetAsync(api, journey);
                var c = view.GetProperty("journey").GetProperty("counts");
                return c.GetProperty("conversions").GetInt64() == conversions && c.GetProperty("revenue").GetDecimal() == revenue
                       && c.GetProperty("heldOutConversions").GetInt64() == heldConversions;
            }, TimeSpan.FromSeconds(30), () => $"the journey's outcomes to be {conversions}, {revenue}, {heldConversions}; last seen {view}");
            var counts = view.GetProperty("journey").GetProperty("counts");
            Assert.Equal(await fixture.ScalarAsync<long>($"SELECT count(*) FROM communication_logs l JOIN campaigns c ON c.id = l.campaign_id WHERE c.journey_id = '{journey}' AND l.status = 'HELD_OUT'"),
                counts.GetProperty("heldOut").GetInt64());
            Assert.Equal((double)conversions / counts.GetProperty("messagesSent").GetInt64(), counts.GetProperty("conversionRate").GetDouble(), 1e-9);

            // Attribution finds a journey's messages by customer (they are flagged and indexed so); every one of them is.
            Assert.Equal(0L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM communication_logs l JOIN campaigns c ON c.id = l.campaign_id WHERE c.journey_id = '{journey}' AND NOT l.journey"));

            // The send step carries the same outcome (one send step here), so the paths of a split compare the same way.
            var step = view.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("type").GetString() == "SEND");
            Assert.Equal((conversions, revenue), (step.GetProperty("conversions").GetInt64(), step.GetProperty("revenue").GetDecimal()));
        }
        finally
        {
            await StopQuietlyAsync(api, journey);
        }

        Assert.Equal(0L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM journey_timers WHERE journey_id = '{journey}'"));
    }

    [Fact]
    public async Task Stopping_journeys_while_orders_pour_in_leaves_nobody_inside_them_and_nothing_to_send()
    {
        // A customer whose order batch read a journey as live before its stop committed, and entered it after, would stay
        // "in it now" for good. Ten journeys, each stopped while orders stream in.
        using var api = fixture.Api();
        var city = await TestCustomers.InNewCityAsync(fixture, "StopRace", 3000);
        var customers = await fixture.ListAsync($"SELECT id FROM customers WHERE city = '{city}' ORDER BY id", r => r.GetGuid(0));
        var journeys = new List<Guid>();
        for (var n = 0; n < 10; n++)
        {
            journeys.Add(await StartAsync(api, $"Stop race {n} {city}", new { trigger = new { kind = "ORDER_PLACED" }, steps = new[] { Send("Thanks, {{first_name}}") } }));
        }

        try
        {
            using var ingest = fixture.IngestingApi();
            using var enough = new CancellationTokenSource();
            var streaming = Task.Run(async () =>
            {
                // Each batch from customers who have not ordered yet, so each enters the journeys still live.
                for (var batch = 0; !enough.IsCancellationRequested && batch < 30; batch++)
                {
                    var now = DateTimeOffset.UtcNow;
                    var orders = customers.Skip(batch * 100).Take(100).Select((c, i) => new
                    {
                        orderId = $"race-{city}-{batch}-{i}", customerId = c, amount = 10m, status = "COMPLETED", orderDate = now, updatedAt = now,
                        items = new[] { new { name = "Tea", quantity = 1, unitPrice = 10m } },
                    }).ToArray();
                    while (true)
                    {
                        using var response = await ingest.PostAsJsonAsync("/api/orders", orders);
                        if (response.StatusCode == HttpStatusCode.Accepted)
                        {
                            break;
                        }

                        // The pipeline is behind (the shared system's lag limit): wait as told, and send the same orders again.
                        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"orders: {(int)response.StatusCode}");
                        await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1));
                    }

                    await Task.Delay(50);
                }
            });

            // Each stopped while the consumer is storing the stream's orders: one after every 250 of the 3,000 stored.
            for (var i = 0; i < journeys.Count; i++)
            {
                var stored = (i + 1) * 250;
                await AppHostFixture.EventuallyAsync(async () => await fixture.ScalarAsync<long>($"SELECT count(*) FROM orders WHERE id LIKE 'race-{city}-%'") >= stored,
                    TimeSpan.FromSeconds(90), $"{stored} orders stored");
                await ActAsync(api, journeys[i], "stop");
            }

            enough.Cancel();
            await streaming;
            await fixture.WaitUntilQuietAsync(TimeSpan.FromMinutes(2));
            foreach (var journey in journeys)
            {
                Assert.Equal(0L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM journey_enrolments WHERE journey_id = '{journey}' AND exited_at IS NULL"));
                Assert.Equal(0L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM campaigns WHERE journey_id = '{journey}' AND status IN ('RUNNING', 'PAUSED')"));
                var counts = (await GetAsync(api, journey)).GetProperty("journey").GetProperty("counts");
                Assert.Equal(0, counts.GetProperty("inside").GetInt64());
            }
        }
        finally
        {
            foreach (var journey in journeys)
            {
                await StopQuietlyAsync(api, journey);
            }
        }
    }

    [Fact]
    public async Task A_journey_that_cannot_work_is_refused_with_every_problem_named_and_a_dry_run_counts_the_last_30_days()
    {
        using var api = fixture.Api();
        using var bad = await api.PostAsJsonAsync("/api/journeys", new { name = "", definition = new { trigger = new { kind = "WHENEVER" }, steps = new object[] { new { type = "SEND", message = "Hi {{nick}}" } } } });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var problem = await bad.Content.ReadFromJsonAsync<JsonElement>(Json);
        var fields = problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).ToList();
        Assert.Contains("name", fields);
        Assert.Contains("definition.trigger.kind", fields);
        Assert.Contains("definition.steps[0].message", fields);
        Assert.Equal(0L, await fixture.ScalarAsync<long>("SELECT count(*) FROM journeys WHERE name = ''"));

        var city = await TestCustomers.InNewCityAsync(fixture, "DryRun", 3);
        using var dry = await api.PostAsJsonAsync("/api/journeys/dry-run", new { trigger = new { kind = "CUSTOMER_CREATED" }, steps = new[] { Send("Hi") } });
        Assert.Equal(HttpStatusCode.OK, dry.StatusCode);
        var answer = await dry.Content.ReadFromJsonAsync<JsonElement>(Json);
        Assert.Equal(await fixture.ScalarAsync<long>("SELECT count(*) FROM customers WHERE created_at >= now() - interval '30 days'"), answer.GetProperty("wouldHaveEntered").GetInt64());
        using var audience = await api.PostAsJsonAsync("/api/journeys/dry-run", new { trigger = new { kind = "AUDIENCE_NOW", rules = CityRules(city) }, steps = new[] { Send("Hi") } });
        Assert.Equal(3, (await audience.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("wouldHaveEntered").GetInt64());

        // A draft that never ran can be deleted, with its versions; one that ran is kept (409, and says to stop it).
        var draft = await StartAsync(api, "Draft " + city, new { trigger = new { kind = "CUSTOMER_CREATED" }, steps = new[] { Send("Hi") } }, activate: false);
        using (var deleted = await api.DeleteAsync($"/api/journeys/{draft}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        Assert.Equal(0L, await fixture.ScalarAsync<long>($"SELECT (SELECT count(*) FROM journeys WHERE id = '{draft}') + (SELECT count(*) FROM journey_versions WHERE journey_id = '{draft}')"));
        using (var again = await api.DeleteAsync($"/api/journeys/{draft}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        }

        var ran = await StartAsync(api, "Ran " + city, new { trigger = new { kind = "AUDIENCE_NOW", rules = CityRules(city) }, steps = new[] { Wait(1, "HOURS"), Send("Hi") } });
        try
        {
            using var kept = await api.DeleteAsync($"/api/journeys/{ran}");
            Assert.Equal(HttpStatusCode.Conflict, kept.StatusCode);
            Assert.Contains("Stop it instead", (await kept.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("detail").GetString());
        }
        finally
        {
            await StopQuietlyAsync(api, ran);
        }

        using var stopped = await api.DeleteAsync($"/api/journeys/{ran}");
        Assert.Equal(HttpStatusCode.Conflict, stopped.StatusCode);
        Assert.Equal(1L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM journeys WHERE id = '{ran}'"));
    }

    private async Task<(Guid, Guid)> TwoOfAsync(string city)
    {
        var ids = await fixture.ListAsync($"SELECT id FROM customers WHERE city = '{city}' ORDER BY email", r => r.GetGuid(0));
        return (ids[0], ids[1]);
    }

    private static async Task OrderAsync(HttpClient ingest, Guid customer, string orderId, decimal amount, DateTimeOffset? placed = null)
    {
        var now = placed ?? DateTimeOffset.UtcNow;
        var order = new { orderId, customerId = customer, amount, status = "COMPLETED", orderDate = now, updatedAt = now, items = new[] { new { name = "Tea", quantity = 1, unitPrice = amount } } };
        using var response = await ingest.PostAsJsonAsync("/api/orders", new[] { order });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }
}
