using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Http.Resilience;
using MiniCrm.Core.Messaging;
using Polly;

namespace MiniCrm.Workers.Deliveries;

/// <summary>What the vendor made of a delivery batch.</summary>
public enum VendorVerdict
{
    /// <summary>Taken: receipts follow.</summary>
    Accepted,

    /// <summary>Refused for what the batch is (a 4xx about its content): sending it again cannot help, so its deliveries are FAILED.</summary>
    Refused,

    /// <summary>The vendor is away, failing or will not let us in: not the deliveries' fault, so they stay PENDING and go out again later.</summary>
    Unavailable,
}

public sealed record VendorAnswer(VendorVerdict Verdict, string? Reason = null);

/// <summary>
/// The messaging vendor's HTTP API (VendorSim in development), found by service discovery.
/// </summary>
public sealed class VendorClient(HttpClient http)
{
    /// <summary>
    /// A few quick retries with exponential backoff and jitter on 5xx, 408, 429 and timeouts,
    /// honouring Retry-After (a busy vendor says when to come back). A vendor still not answering
    /// after that is Unavailable: the <see cref="VendorCircuit"/> pauses dispatch and the
    /// reconciler sends the deliveries again, so an outage of any length fails none of them.
    /// </summary>
    public static void ConfigureResilience(ResiliencePipelineBuilder<HttpResponseMessage> pipeline) => pipeline
        .AddTimeout(TimeSpan.FromSeconds(45))
        .AddRetry(new HttpRetryStrategyOptions
        {
            MaxRetryAttempts = 4,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(500),
            ShouldRetryAfterHeader = true,
        })
        .AddTimeout(TimeSpan.FromSeconds(10));

    public async Task<VendorAnswer> SendAsync(DeliveryRequested batch, CancellationToken ct)
    {
        try
        {
            using var response = await http.PostAsJsonAsync("/deliveries", new
            {
                campaignId = batch.CampaignId,
                deliveries = batch.Deliveries.Select(d => new { deliveryId = d.DeliveryId, customerId = d.CustomerId, name = d.Name, email = d.Email, phone = d.Phone, message = d.Message }),
            }, ct);
            if (response.IsSuccessStatusCode)
            {
                return new VendorAnswer(VendorVerdict.Accepted);
            }

            var reason = $"The vendor answered {(int)response.StatusCode} {response.ReasonPhrase}";
            return IsAboutTheBatch(response.StatusCode)
                ? new VendorAnswer(VendorVerdict.Refused, $"The vendor refused the delivery: {(int)response.StatusCode} {response.ReasonPhrase}")
                : new VendorAnswer(VendorVerdict.Unavailable, reason);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or Polly.Timeout.TimeoutRejectedException && !ct.IsCancellationRequested)
        {
            return new VendorAnswer(VendorVerdict.Unavailable, $"The vendor could not be reached: {ex.Message}");
        }
    }

    /// <summary>A 4xx that judges the request itself; 401/403 (our credentials), 408 and 429 (its load) say nothing about the deliveries.</summary>
    private static bool IsAboutTheBatch(HttpStatusCode status) =>
        (int)status is >= 400 and < 500 &&
        status is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests);
}
