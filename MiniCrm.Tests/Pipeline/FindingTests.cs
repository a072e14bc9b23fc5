using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MiniCrm.Tests.Infrastructure;

namespace MiniCrm.Tests.Pipeline;

/// <summary>Finding what one is looking for: customers by name, email or phone with their total, orders by date, and both as files.</summary>
[Collection(AppHostCollection.Name)]
public sealed class FindingTests(AppHostFixture fixture)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task Customers_are_found_by_name_email_or_phone_and_counted_as_the_filters_select()
    {
        var city = "Find" + Guid.NewGuid().ToString("N")[..10];
        var phone = "9" + Random.Shared.NextInt64(100_000_000, 999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        using (var ingest = fixture.IngestingApi())
        {
            var sent = await ingest.PostAsJsonAsync("/api/customers", new object[]
            {
                new { name = $"Zuleika {city}", email = $"z.{city}@minicrm.test", phone, city },
                new { name = $"Yusuf {city}", email = $"yusuf.{city}@example.org", city },
                new { name = $"Xavier {city}", email = $"x.{city}@minicrm.test", city },
            });
            Assert.Equal(HttpStatusCode.Accepted, sent.StatusCode);
        }

        await AppHostFixture.EventuallyAsync(async () => await fixture.ScalarAsync<long>($"SELECT count(*) FROM customers WHERE city = '{city}'") == 3,
            TimeSpan.FromSeconds(60), "the three customers");
        using var api = fixture.Api();
        async Task<List<string>> NamesAsync(string search) => (await api.GetFromJsonAsync<JsonElement>($"/api/customers?search={Uri.EscapeDataString(search)}&limit=50", Json))
            .GetProperty("items").EnumerateArray().Select(c => c.GetProperty("name").GetString()!).ToList();

        Assert.Equal([$"Zuleika {city}"], await NamesAsync($"zuleika {city}"));
        Assert.Equal([$"Yusuf {city}"], await NamesAsync($"yusuf.{city}@EXAMPLE"));
        Assert.Equal([$"Zuleika {city}"], await NamesAsync(phone[1..])); // nine of its ten digits
        Assert.Equal(3, (await NamesAsync(city)).Count);

        var all = (await api.GetFromJsonAsync<JsonElement>("/api/customers/count", Json)).GetProperty("count").GetInt64();
        Assert.Equal(await fixture.ScalarAsync<long>("SELECT count(*) FROM customers"), all);
        var matching = await api.GetFromJsonAsync<JsonElement>($"/api/customers/count?search={city}&rules={Uri.EscapeDataString("{\"combinator\":\"AND\",\"rules\":[{\"attribute\":\"visit\",\"operator\":\"=\",\"value\":0}]}")}", Json);
        Assert.Equal(3, matching.GetProperty("count").GetInt64());
        using var bad = await api.GetAsync("/api/customers/count?rules=%7Bnot%20json");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task Orders_are_filtered_by_date_and_downloaded_as_the_csv_an_import_reads()
    {
        var city = await TestCustomers.InNewCityAsync(fixture, "Dated", 1);
        var email = $"{city}.0@minicrm.test".ToLowerInvariant();
        var tag = Guid.NewGuid().ToString("N")[..8];
        using (var ingest = fixture.IngestingApi())
        {
            var sent = await ingest.PostAsJsonAsync("/api/orders", new object[]
            {
                new { orderId = $"OCT-{tag}", customerEmail = email, amount = 40, status = "COMPLETED", orderDate = "2026-10-15T10:00:00Z", items = new[] { new { name = "Tea, green", quantity = 2, unitPrice = 20 } } },
                new { orderId = $"NOV-{tag}", customerEmail = email, amount = 15, status = "PENDING", orderDate = "2026-11-15T10:00:00Z", items = new[] { new { name = "Cup", quantity = 1, unitPrice = 15 } } },
            });
            Assert.Equal(HttpStatusCode.Accepted, sent.StatusCode);
        }

        await AppHostFixture.EventuallyAsync(async () => await fixture.ScalarAsync<long>($"SELECT count(*) FROM orders WHERE id LIKE '%-{tag}'") == 2,
            TimeSpan.FromSeconds(60), "the two orders");
        using var api = fixture.Api();
        var customer = await fixture.ScalarAsync<Guid>($"SELECT id FROM customers WHERE email = '{email}'");
        var november = await api.GetFromJsonAsync<JsonElement>(
            $"/api/orders?customerId={customer}&from={Uri.EscapeDataString("2026-11-01T00:00:00+05:30")}&to={Uri.EscapeDataString("2026-12-01T00:00:00+05:30")}", Json);
        Assert.Equal([$"NOV-{tag}"], november.GetProperty("items").EnumerateArray().Select(o => o.GetProperty("id").GetString()).ToList());
        using var backwards = await api.GetAsync($"/api/orders?from=2026-12-01T00:00:00Z&to=2026-11-01T00:00:00Z");
        Assert.Equal(HttpStatusCode.BadRequest, backwards.StatusCode);

        var csv = (await api.GetStringAsync($"/api/orders.csv?customerId={customer}")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("orderId,customerId,customerEmail,customerName,amount,status,orderDate,updatedAt,itemName,quantity,unitPrice", csv[0]);
        Assert.Equal(2, csv.Length - 1);
        Assert.StartsWith($"NOV-{tag},{customer},{email},Customer 0 of {city},15.00,PENDING,", csv[1]);
        Assert.EndsWith(",\"Tea, green\",2,20.00", csv[2]);

        // The file goes back in as an import: the same orders, as versions of themselves (nothing new, nothing lost).
        var import = await ImportTests.UploadAsync(api, "orders", string.Join('\n', csv) + "\n", "orders.csv");
        var done = await ImportTests.FinishedAsync(api, import.GetProperty("id").GetGuid());
        Assert.Equal((2L, 0L), (done.GetProperty("accepted").GetInt64(), done.GetProperty("rejected").GetInt64()));
    }
}
