using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using MiniCrm.Core.Messaging;
using MiniCrm.ServiceDefaults.Kafka;
using MiniCrm.Tests.Foundation;
using MiniCrm.Tests.Infrastructure;
using Xunit.Abstractions;
using static MiniCrm.Tests.Infrastructure.JourneyDriver;

namespace MiniCrm.Tests.Faults;

/// <summary>
/// Journeys through failure: the Workers killed while customers are being created and replayed, and the whole system
/// stopped with Ctrl+C in the middle of a journey and started again. Every step runs once per customer: none lost, none
/// repeated.
/// </summary>
[Collection(TerminalCollection.Name)]
public sealed class JourneyFaultTests(OwnSystem own, ITestOutputHelper output) : IDisposable
{
    private readonly string _dataRoot = Path.Combine(Path.GetTempPath(), "minicrm-journey-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task A_welcome_journey_messages_each_customer_once_through_a_Workers_crash_and_replayed_messages()
    {
        var system = await own.SystemAsync();
        using var api = system.Api();
        var journey = await StartAsync(api, "Welcome through a crash",
            new { trigger = new { kind = "CUSTOMER_CREATED" }, steps = new[] { Wait(1), Send("Welcome, {{first_name}}"), Wait(2), Send("Here is what we sell") } });
        var city = "Crash" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            // Customers arrive in 30 requests over several seconds; the Workers are killed after the tenth and started again.
            using var ingest = system.IngestingApi();
            var submitting = Task.Run(async () =>
            {
                for (var batch = 0; batch < 30; batch++)
                {
                    var customers = Enumerable.Range(batch * 10, 10).Select(i => new { name = $"Customer {i} of {city}", email = $"{city}.{i}@minicrm.test", city }).ToArray();
                    while (true)
                    {
                        using var response = await ingest.PostAsJsonAsync("/api/customers", customers);
                        if (response.StatusCode == HttpStatusCode.Accepted)
                        {
                            break;
                        }

                        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode); // the pipeline is behind while the Workers are away
                        await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1));
                    }

                    await Task.Delay(300);
                }
            });

            await AppHostFixture.EventuallyAsync(async () => await system.ScalarAsync<long>($"SELECT count(*) FROM journey_enrolments e JOIN customers c ON c.id = e.customer_id WHERE c.city = '{city}'") >= 100,
                TimeSpan.FromSeconds(60), "a hundred customers in the journey");
            var killed = WorkersCrashTests.KillTree(system, "workers");
            output.WriteLine($"killed the Workers (pid {killed}) with {await system.ScalarAsync<long>($"SELECT count(*) FROM customers WHERE city = '{city}'")} customers of {city} stored");
            await system.App.ResourceNotifications.WaitForResourceAsync("workers", e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text));
            await Task.Delay(TimeSpan.FromSeconds(3)); // down a while, as a crashed process is, while customers keep coming
            await system.StartAgainAsync("workers");
            await submitting;

            // Every customer's message again on the topic, as a redelivery gives them.
            await AppHostFixture.EventuallyAsync(async () => await system.ScalarAsync<long>($"SELECT count(*) FROM customers WHERE city = '{city}'") == 300,
                TimeSpan.FromSeconds(90), "300 customers stored");
            var stored = await system.ListAsync($"SELECT id, name, email, created_at FROM customers WHERE city = '{city}'",
                r => new CustomerSubmitted(r.GetGuid(0), r.GetString(1), r.GetString(2), null, city, r.GetFieldValue<DateTimeOffset>(3)));
            await using (var kafka = new KafkaTestProducer(await system.App.GetConnectionStringAsync("kafka") ?? ""))
            {
                foreach (var customer in stored)
                {
                    await kafka.ProduceJsonAsync(KafkaTopics.Customers, customer.CustomerId.ToString(), customer);
                }
            }

            await system.WaitUntilQuietAsync(TimeSpan.FromMinutes(3));
            await AppHostFixture.EventuallyAsync(async () =>
                await system.ScalarAsync<long>($"SELECT count(*) FROM journey_enrolments WHERE journey_id = '{journey}' AND exit_reason = 'COMPLETED'") == 300 &&
                await system.ScalarAsync<long>($"SELECT count(*) FROM communication_logs l JOIN campaigns c ON c.id = l.campaign_id WHERE c.journey_id = '{journey}' AND l.status IN ('SENT', 'FAILED')") == 600,
                TimeSpan.FromMinutes(3), "300 customers through the journey, 600 messages with their receipts");

            await AssertEachStepOnceAsync(system.ScalarAsync<long>, journey, city, steps: ["2", "4"]);
            Assert.Equal(300L, await system.ScalarAsync<long>($"SELECT sum(entries) FROM journey_enrolments WHERE journey_id = '{journey}'"));
        }
        finally
        {
            await StopQuietlyAsync(api, journey);
        }
    }

    [Fact]
    public async Task Ctrl_C_in_the_middle_of_a_journey_and_a_restart_lose_no_step_and_repeat_none()
    {
        int port;
        Guid journey;
        using (var host = TerminalAppHost.Start(_dataRoot))
        {
            port = host.PostgresPort;
            await host.WaitUntilReadyAsync(TimeSpan.FromMinutes(4));
            var (exitCode, seeded) = await TerminalAppHost.RunProjectAsync("MiniCrm.Ingest", TimeSpan.FromMinutes(4), "seed", "--customers", "2000", "--orders", "0");
            Assert.True(exitCode == 0, seeded);
            await AppHostFixture.EventuallyAsync(async () => await host.CountAsync("SELECT count(*) FROM customers") == 2000, TimeSpan.FromSeconds(60), "2,000 customers stored");

            using var api = await SignedInAsync();
            journey = await StartAsync(api, "Through Ctrl+C", new
            {
                trigger = new { kind = "AUDIENCE_NOW", rules = new { combinator = "AND", rules = Array.Empty<object>() } },
                steps = new[] { Send("One, {{first_name}}"), Wait(3), Send("Two"), Wait(2), Send("Three") },
            });

            // Stopped while customers are spread over the journey: some messaged once and waiting, messages still with the vendor.
            await AppHostFixture.EventuallyAsync(async () => await host.CountAsync($"SELECT count(*) FROM journey_enrolments WHERE journey_id = '{journey}' AND step = '2'") > 0,
                TimeSpan.FromSeconds(60), "customers waiting after their first message");
            var spread = await host.CountAsync($"SELECT count(*) FROM journey_enrolments WHERE journey_id = '{journey}' AND exited_at IS NULL");
            host.PressCtrlC();
            await host.WaitForExitAsync(TimeSpan.FromMinutes(3));
            var atStop = await SnapshotAsync(host, journey);
            output.WriteLine($"Ctrl+C with {spread} customers inside; after the stop: {atStop}");
            Assert.True(spread > 0, "nobody was inside the journey when it stopped: the test proved nothing");
        }

        using var again = TerminalAppHost.Start(_dataRoot, port);
        try
        {
            await again.WaitUntilReadyAsync(TimeSpan.FromMinutes(4));
            var seen = "";
            await AppHostFixture.EventuallyAsync(async () =>
            {
                seen = await SnapshotAsync(again, journey);
                return await again.CountAsync($"SELECT count(*) FROM journey_enrolments WHERE journey_id = '{journey}' AND exit_reason = 'COMPLETED'") == 2000 &&
                       await again.CountAsync($"SELECT count(*) FROM communication_logs l JOIN campaigns c ON c.id = l.campaign_id WHERE c.journey_id = '{journey}' AND l.status IN ('SENT', 'FAILED')") == 6000;
            }, TimeSpan.FromMinutes(4), () => "every customer through the journey after the restart: " + seen);
            await AssertEachStepOnceAsync(again.CountAsync, journey, city: null, steps: ["1", "3", "5"], customers: 2000);
            // The journey's campaigns add up: every message has one outcome.
            Assert.Equal(0L, await again.CountAsync($"SELECT count(*) FROM campaigns WHERE journey_id = '{journey}' AND sent_count + failed_count + pending_count + cancelled_count <> audience_size"));
        }
        finally
        {
            again.PressCtrlC();
            await again.WaitForExitAsync(TimeSpan.FromMinutes(3));
        }
    }

    private static async Task<string> SnapshotAsync(TerminalAppHost host, Guid journey)
    {
        try
        {
            var steps = await host.CountAsync($"SELECT count(*) FROM journey_enrolments WHERE journey_id = '{journey}' AND exited_at IS NULL");
            var messages = await host.CountAsync($"SELECT count(*) FROM communication_logs l JOIN campaigns c ON c.id = l.campaign_id WHERE c.journey_id = '{journey}'");
            return $"{steps} inside, {messages} messages written";
        }
        catch (Npgsql.NpgsqlException)
        {
            return "(the database is stopped)";
        }
    }

    /// <summary>Each customer has exactly one message from each send step: none lost, none repeated.</summary>
    private static async Task AssertEachStepOnceAsync(Func<string, Task<long>> count, Guid journey, string? city, string[] steps, long customers = 300)
    {
        var of = city is null ? "" : $"JOIN customers k ON k.id = l.customer_id AND k.city = '{city}'";
        Assert.Equal(0L, await count($"""
            SELECT count(*) FROM (SELECT l.customer_id, c.journey_step FROM communication_logs l JOIN campaigns c ON c.id = l.campaign_id {of}
                                  WHERE c.journey_id = '{journey}' GROUP BY 1, 2 HAVING count(*) > 1) repeated
            """));
        foreach (var step in steps)
        {
            Assert.Equal(customers, await count($"SELECT count(DISTINCT l.customer_id) FROM communication_logs l JOIN campaigns c ON c.id = l.campaign_id {of} WHERE c.journey_id = '{journey}' AND c.journey_step = '{step}'"));
        }
    }

    /// <summary>A marketer's session on the terminal system (the development sign-in, as on F5).</summary>
    private static async Task<HttpClient> SignedInAsync()
    {
        var api = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = TerminalAppHost.ApiAddress };
        api.DefaultRequestHeaders.Add("Origin", TerminalAppHost.ApiAddress.GetLeftPart(UriPartial.Authority));
        using var signIn = await api.PostAsync("/auth/development/signin",
            new StringContent("""{"email": "journeys@example.com", "name": "Journeys"}""", Encoding.UTF8, "application/json"));
        Assert.True(signIn.IsSuccessStatusCode, $"signing in: {(int)signIn.StatusCode} {await signIn.Content.ReadAsStringAsync()}");
        return api;
    }

    public void Dispose() => TestAppHost.DeleteDataRoot(_dataRoot);
}
