using System.Net.Http.Json;
using Microsoft.Extensions.Http.Resilience;
using MiniCrm.Core.Messaging;
using Polly;

namespace MiniCrm.Workers.Deliveries;

/// <summary>
/// The messaging vendor's HTTP API (VendorSim in development), found by service discovery.
/// </summary>
public sealed class VendorClient(HttpClient http)
{
    /// <summary>
    /// Retries with exponential backoff and jitter on 5xx, 408, 429 and timeouts, honouring
    /// Retry-After (a busy vendor says when to come back): 7 attempts over about a minute. No
    /// circuit breaker: a vendor that is briefly full should slow deliveries down, not fail them.
    /// </summary>
    public static void ConfigureResilience(ResiliencePipelineBuilder<HttpResponseMessage> pipeline) => pipeline
        .AddTimeout(TimeSpan.FromSeconds(90))
        .AddRetry(new HttpRetryStrategyOptions
        {
            MaxRetryAttempts = 6,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(500),
            ShouldRetryAfterHeader = true,
        })
        .AddTimeout(TimeSpan.FromSeconds(10));

    /// <returns>null when the vendor accepted the batch, otherwise why it did not.</returns>
    public async Task<string?> SendAsync(DeliveryRequested batch, CancellationToken ct)
    {
        try
        {
            using var response = await http.PostAsJsonAsync("/deliveries", new
            {
                campaignId = batch.CampaignId,
                deliveries = batch.Deliveries.Select(d => new { customerId = d.CustomerId, name = d.Name, email = d.Email, phone = d.Phone, message = d.Message }),
            }, ct);
            return response.IsSuccessStatusCode
                ? null
                : $"The vendor refused the delivery: {(int)response.StatusCode} {response.ReasonPhrase}";
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or Polly.Timeout.TimeoutRejectedException or Polly.CircuitBreaker.BrokenCircuitException && !ct.IsCancellationRequested)
        {
            return $"The vendor could not be reached after retries: {ex.Message}";
        }
    }
}
