using Aspire.Hosting;
using Aspire.Hosting.Testing;
using System.Net.Http.Json;
using System.Text.Json;

namespace MiniCrm.Tests.Infrastructure;

public sealed record IngestStatus(
    string Kind, bool Finished, string? Error, long CustomersAccepted, long CustomersRejected,
    long OrdersAccepted, long OrdersRejected, long Throttled, double ElapsedSeconds, IReadOnlyList<string> SampleRejections);

/// <summary>Drives the Ingest resource over HTTP, as the dashboard's commands do.</summary>
public static class IngestDriver
{
    public static async Task<IngestStatus> SeedAsync(AppHostFixture fixture, long customers, long orders, TimeSpan timeout)
    {
        using var ingest = fixture.WithOpsKey("ingest");
        var started = await ingest.PostAsync($"/seed?customers={customers}&orders={orders}", null);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, started.StatusCode);

        IngestStatus? status = null;
        await AppHostFixture.EventuallyAsync(async () =>
        {
            status = await ingest.GetFromJsonAsync<IngestStatus>("/status", new JsonSerializerOptions(JsonSerializerDefaults.Web));
            return status!.Finished;
        }, timeout, $"Ingest to seed {customers} customers and {orders} orders");

        Assert.Null(status!.Error);
        return status;
    }

    /// <summary>Makes sure at least <paramref name="count"/> customers (with orders) are in the database.</summary>
    public static async Task EnsureCustomersAsync(AppHostFixture fixture, long count)
    {
        var existing = await fixture.ScalarAsync<long>("SELECT count(*) FROM customers");
        if (existing >= count)
        {
            return;
        }

        var status = await SeedAsync(fixture, count - existing, (count - existing) * 2, TimeSpan.FromMinutes(5));
        await AppHostFixture.EventuallyAsync(
            async () => await fixture.ScalarAsync<long>("SELECT count(*) FROM customers") >= existing + status.CustomersAccepted,
            TimeSpan.FromMinutes(2), "seeded customers to reach the database");
    }
}
