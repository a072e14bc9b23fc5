using System.Net;
using System.Net.Http.Json;

namespace MiniCrm.Tests.Infrastructure;

/// <summary>Customers of a city of a test's own, submitted as any client does (waiting out a 503) and stored before it returns.</summary>
public static class TestCustomers
{
    /// <summary>A new city (letters and digits) with <paramref name="count"/> customers in it.</summary>
    public static async Task<string> InNewCityAsync(AppHostFixture fixture, string prefix, int count)
    {
        var city = prefix + Guid.NewGuid().ToString("N")[..10];
        await AddAsync(fixture, city, 0, count);
        return city;
    }

    /// <summary>Customers number <paramref name="from"/> to from + count − 1 of <paramref name="city"/>.</summary>
    public static async Task AddAsync(AppHostFixture fixture, string city, int from, int count)
    {
        using var ingest = fixture.IngestingApi();
        var customers = Enumerable.Range(from, count).Select(i => new { name = $"Customer {i} of {city}", email = $"{city}.{i}@minicrm.test", city }).ToArray();
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            using var response = await ingest.PostAsJsonAsync("/api/customers", customers);
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                break;
            }

            // The pipeline is behind (the shared system's lag limit is low, and other tests load it): wait as told.
            Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable && DateTime.UtcNow < deadline,
                $"submitting customers of {city}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1));
        }

        await AppHostFixture.EventuallyAsync(async () => await fixture.ScalarAsync<long>($"SELECT count(*) FROM customers WHERE city = '{city}'") == from + count,
            TimeSpan.FromSeconds(90), $"{from + count} customers in {city}");
    }
}
