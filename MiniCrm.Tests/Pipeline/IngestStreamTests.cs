using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MiniCrm.Tests.Infrastructure;

namespace MiniCrm.Tests.Pipeline;

/// <summary>
/// Ingest's stream (the dashboard's "Stream 20 items/s"): new customers and their orders, and background orders placed
/// now by customers who were there before, so a campaign's held-out customers buy at a baseline rate too.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class IngestStreamTests(AppHostFixture fixture)
{
    [Fact]
    public async Task The_stream_places_orders_now_for_customers_who_were_already_there()
    {
        await IngestDriver.EnsureCustomersAsync(fixture, 50);
        var before = await fixture.ScalarAsync<DateTime>("SELECT now()");
        using var ingest = fixture.WithOpsKey("ingest");
        Assert.Equal(HttpStatusCode.Accepted, (await ingest.PostAsync("/stream?rate=20", null)).StatusCode);
        try
        {
            // Orders dated now, by customers stored before the stream began (the stream's own are new, and their orders dated over the past year).
            var sql = $"SELECT count(*) FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.created_at < '{before:O}' AND o.created_at >= '{before:O}' " +
                      $"AND o.order_date >= '{before:O}'::timestamptz - interval '5 seconds'";
            await AppHostFixture.EventuallyAsync(async () => await fixture.ScalarAsync<long>(sql) >= 6, TimeSpan.FromSeconds(60), "background orders by earlier customers");
            await AppHostFixture.EventuallyAsync(async () => await fixture.ScalarAsync<long>($"SELECT count(*) FROM customers WHERE created_at >= '{before:O}'") >= 5,
                TimeSpan.FromSeconds(30), "the stream's new customers");
        }
        finally
        {
            Assert.Equal(HttpStatusCode.OK, (await ingest.PostAsync("/stop", null)).StatusCode);
        }

        var status = await ingest.GetFromJsonAsync<IngestStatus>("/status", new JsonSerializerOptions(JsonSerializerDefaults.Web));
        Assert.Equal("stream", status!.Kind);
        Assert.True(status.OrdersAccepted > 0, status.ToString());
    }
}
