using System.Net.Http.Json;
using Aspire.Hosting.Testing;
using System.Text.Json;
using MiniCrm.Tests.Foundation;
using MiniCrm.Tests.Infrastructure;
using MiniCrm.Tests.Pipeline;

namespace MiniCrm.Tests.Faults;

/// <summary>A system of its own whose vendor answers half of all delivery requests with 500.</summary>
[Collection(TerminalCollection.Name)]
public sealed class FlakyVendorTests : IDisposable
{
    private readonly string _dataRoot = Path.Combine(Path.GetTempPath(), "minicrm-flaky-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task A_campaign_completes_exactly_at_the_configured_failure_rate_though_the_vendor_fails_half_its_requests()
    {
        await using var system = await AppHostFixture.StartAsync(_dataRoot, builder =>
        {
            AppHostFixture.Configure(builder, "vendorsim", ("Vendor__ErrorRate", "0.5"), ("Vendor__LatencyMilliseconds", "5"));
            AppHostFixture.Configure(builder, "workers", ("Dispatch__DeliveriesPerMessage", "50"),
                ("Reconcile__ReceiptTimeoutSeconds", "3"), ("Reconcile__IntervalSeconds", "1"));
        });
        await IngestDriver.EnsureCustomersAsync(system, 1_000);

        using var api = system.Api();
        var campaign = await CampaignTests.LaunchAsync(api, "Flaky vendor", new { combinator = "AND", rules = Array.Empty<object>() }, "Hi {{name}}");
        var done = await CampaignTests.WaitForCompletionAsync(api, campaign.Id, TimeSpan.FromMinutes(4));

        Assert.Equal(done.AudienceSize, done.SentCount + done.FailedCount);
        Assert.InRange((double)done.FailedCount / done.AudienceSize, 0.03, 0.20); // the configured 10%, not the vendor's 50% errors
        Assert.Equal(0L, await system.ScalarAsync<long>(
            $"SELECT count(*) FROM communication_logs WHERE campaign_id = '{done.Id}' AND (status <> 'SENT' AND failure_reason NOT IN ('Recipient mailbox unavailable', 'Number not reachable', 'Rejected by carrier', 'Message blocked as spam'))"));
        using var vendor = system.WithOpsKey("vendorsim");
        var stats = await vendor.GetFromJsonAsync<VendorStats>("/deliveries/stats", new JsonSerializerOptions(JsonSerializerDefaults.Web));
        Assert.Equal(done.AudienceSize, stats!.Messaged); // every customer once, however often a batch was refused
    }

    public void Dispose() => TestAppHost.DeleteDataRoot(_dataRoot);
}
