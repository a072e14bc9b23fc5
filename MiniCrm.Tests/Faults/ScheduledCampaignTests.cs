using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using MiniCrm.Tests.Foundation;
using MiniCrm.Tests.Infrastructure;
using MiniCrm.Tests.Pipeline;
using Xunit.Abstractions;

namespace MiniCrm.Tests.Faults;

/// <summary>
/// A scheduled campaign on a system with two Workers processes, stopped and started again before the
/// campaign's time: it starts at its time (not before), once, with the audience as it is then. The
/// system caps messages at one per customer a week, so the next campaign leaves those customers out.
/// A CSV import under way at the stop carries on after it and ends with exact counts.
/// </summary>
[Collection(TerminalCollection.Name)]
public sealed class ScheduledCampaignTests(ITestOutputHelper output) : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private const int ImportedRows = 200_000;

    private readonly string _dataRoot = Path.Combine(Path.GetTempPath(), "minicrm-scheduled-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task A_scheduled_campaign_survives_a_restart_and_starts_once_at_its_time_with_two_workers()
    {
        var city = "Sch" + Guid.NewGuid().ToString("N")[..10];
        var kolkata = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata");
        Guid campaign, importId;
        DateTimeOffset sendAt;
        var importCity = "Imr" + Guid.NewGuid().ToString("N")[..10];
        await using (var first = await AppHostFixture.StartAsync(_dataRoot, TwoWorkers))
        {
            Assert.Equal(2, await RunningReplicasAsync(first, "workers"));
            await SavedSegmentTests.AddCustomersAsync(first, city, 0, 3);
            using var api = first.Api();

            // Local time in Kolkata, as a marketer there gives it.
            var local = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow.AddMinutes(10), kolkata);
            var scheduled = await SavedSegmentTests.SendAsync(api, HttpMethod.Post, "/api/campaigns", new
            {
                name = $"Scheduled for {city}",
                rules = SavedSegmentTests.CityRules(city),
                message = "Hi {{name}}",
                sendAt = local.ToString("yyyy-MM-ddTHH:mm:ss"),
                timeZone = "Asia/Kolkata",
            }, HttpStatusCode.Created);
            campaign = scheduled.GetProperty("id").GetGuid();
            Assert.Equal("SCHEDULED", scheduled.GetProperty("status").GetString());
            Assert.Equal(0, scheduled.GetProperty("audienceSize").GetInt32());
            Assert.Contains("resolved when it starts; 3 customers match now", scheduled.GetProperty("notice").GetString());
            Assert.Equal(local.ToUniversalTime().ToUnixTimeSeconds(), scheduled.GetProperty("sendAt").GetDateTimeOffset().ToUnixTimeSeconds());

            // Moved to 40 s from now: after the restart below has begun, before or after it is done.
            sendAt = DateTimeOffset.UtcNow.AddSeconds(40);
            var moved = await SavedSegmentTests.SendAsync(api, HttpMethod.Put, $"/api/campaigns/{campaign}/schedule", new { sendAt = sendAt.ToString("O") }, HttpStatusCode.OK);
            Assert.Equal(sendAt.ToUnixTimeSeconds(), moved.GetProperty("sendAt").GetDateTimeOffset().ToUnixTimeSeconds());
            var past = await SavedSegmentTests.SendAsync(api, HttpMethod.Put, $"/api/campaigns/{campaign}/schedule", new { sendAt = DateTimeOffset.UtcNow.AddMinutes(-1).ToString("O") }, HttpStatusCode.BadRequest);
            Assert.Contains("Must lie ahead", past.GetProperty("errors").GetProperty("sendAt")[0].GetString());

            // Customers who arrive after the campaign was scheduled are in its audience: it is resolved when it starts.
            await SavedSegmentTests.AddCustomersAsync(first, city, 3, 2);

            // An import under way when the system stops carries on after the restart, counted exactly.
            var csv = new System.Text.StringBuilder("name,email,city\n");
            for (var i = 0; i < ImportedRows; i++)
            {
                csv.Append($"Imported {i},imported{i}.{importCity}@minicrm.test,{importCity}\n");
            }

            importId = (await ImportTests.UploadAsync(api, "customers", csv.ToString(), null)).GetProperty("id").GetGuid();
            JsonElement progress = default;
            await AppHostFixture.EventuallyAsync(async () =>
            {
                progress = await api.GetFromJsonAsync<JsonElement>($"/api/imports/{importId}", Json);
                return progress.GetProperty("rowsRead").GetInt64() > 0;
            }, TimeSpan.FromMinutes(2), "the import's first batch");
            output.WriteLine($"import before the stop: {progress}");
            Assert.True(progress.GetProperty("rowsRead").GetInt64() < ImportedRows / 2, $"the import is nearly done before the stop; the test would prove little ({progress})");
        }

        await using var second = await AppHostFixture.StartAsync(_dataRoot, TwoWorkers);
        Assert.Equal(2, await RunningReplicasAsync(second, "workers"));
        using (var api = second.Api())
        {
            var imported = await ImportTests.FinishedAsync(api, importId);
            output.WriteLine($"import after the restart: {imported}");
            Assert.Equal(("COMPLETED", (long)ImportedRows, (long)ImportedRows, 0L),
                (imported.GetProperty("status").GetString(), imported.GetProperty("rowsRead").GetInt64(), imported.GetProperty("accepted").GetInt64(), imported.GetProperty("rejected").GetInt64()));
            await AppHostFixture.EventuallyAsync(async () => await second.ScalarAsync<long>($"SELECT count(*) FROM customers WHERE city = '{importCity}'") == ImportedRows,
                TimeSpan.FromMinutes(2), "every imported customer stored once");
        }

        using var restarted = second.Api();
        var done = await CampaignTests.WaitForCompletionAsync(restarted, campaign, TimeSpan.FromMinutes(4));
        output.WriteLine(done.ToString());
        Assert.Equal(5, done.AudienceSize);
        await CampaignTests.AssertExactAsync(second, done);

        var history = (await restarted.GetFromJsonAsync<JsonElement>($"/api/campaigns/{campaign}", Json)).GetProperty("history")
            .Deserialize<List<CampaignControlTests.HistoryEntry>>(Json)!;
        Assert.Equal(["SCHEDULED", "RUNNING", "COMPLETED"], history.Select(e => e.Status).ToList());
        Assert.True(history[1].At >= sendAt.AddSeconds(-1), $"started at {history[1].At:O}, scheduled for {sendAt:O}");
        Assert.Null(history[1].By);
        Assert.Equal("Test Marketer", history[0].ByName);

        // This system caps campaign messages at one per customer a week: those just messaged (SENT; a FAILED
        // message reached nobody) are left out of the next campaign, the new customer is in it.
        await SavedSegmentTests.AddCustomersAsync(second, city, 5, 1);
        var preview = await SavedSegmentTests.SendAsync(restarted, HttpMethod.Post, CampaignTests.PreviewWithoutSmartSending, SavedSegmentTests.CityRules(city), HttpStatusCode.OK);
        Assert.Equal((1L + done.FailedCount, (long)done.SentCount), (preview.GetProperty("count").GetInt64(), preview.GetProperty("excludedForFrequencyCap").GetInt64()));
        var capped = await CampaignTests.LaunchAsync(restarted, $"Again for {city}", SavedSegmentTests.CityRules(city), "Hi again {{name}}");
        Assert.Equal(1 + done.FailedCount, capped.AudienceSize);
        var secondDone = await CampaignTests.WaitForCompletionAsync(restarted, capped.Id, TimeSpan.FromMinutes(2));
        Assert.Equal(done.SentCount, (await restarted.GetFromJsonAsync<JsonElement>($"/api/campaigns/{capped.Id}", Json)).GetProperty("excludedForFrequencyCap").GetInt32());
        Assert.Equal(1 + done.FailedCount, secondDone.SentCount + secondDone.FailedCount);
        Assert.Equal(0L, await second.ScalarAsync<long>(
            $"SELECT count(*) FROM communication_logs l JOIN communication_logs first ON first.customer_id = l.customer_id AND first.campaign_id = '{campaign}' AND first.status = 'SENT' WHERE l.campaign_id = '{capped.Id}'"));
    }

    private static void TwoWorkers(Aspire.Hosting.Testing.IDistributedApplicationTestingBuilder builder)
    {
        AppHostFixture.Configure(builder, "workers", ("Reconcile__ReceiptTimeoutSeconds", "3"), ("Reconcile__IntervalSeconds", "1"), ("Consent__FrequencyCapMessages", "1"));
        AppHostFixture.Configure(builder, "api", ("Consent__FrequencyCapMessages", "1"));
        builder.CreateResourceBuilder(builder.Resources.OfType<ProjectResource>().Single(r => r.Name == "workers")).WithReplicas(2);
    }

    /// <summary>How many instances of a resource are running, from the AppHost's own notifications.</summary>
    private static async Task<int> RunningReplicasAsync(AppHostFixture system, string resource)
    {
        var running = new HashSet<string>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await foreach (var update in system.App.Services.GetRequiredService<ResourceNotificationService>().WatchAsync(cts.Token))
            {
                if (update.Resource.Name == resource && update.Snapshot.State?.Text == KnownResourceStates.Running)
                {
                    running.Add(update.ResourceId);
                    if (running.Count >= 2)
                    {
                        break;
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        return running.Count;
    }

    public void Dispose() => TestAppHost.DeleteDataRoot(_dataRoot);
}
