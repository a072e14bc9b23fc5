using System.Net.Http.Json;
using MiniCrm.Core.Messaging;

namespace MiniCrm.Workers.Deliveries;

/// <summary>
/// The messaging vendor's HTTP API (VendorSim in development), found by service discovery. Retries
/// with backoff on 5xx, 429 and timeouts come from the standard resilience handler.
/// </summary>
public sealed class VendorClient(HttpClient http)
{
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
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or Polly.Timeout.TimeoutRejectedException && !ct.IsCancellationRequested)
        {
            return $"The vendor could not be reached after retries: {ex.Message}";
        }
    }
}
