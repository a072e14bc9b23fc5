using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace MiniCrm.Ingest.Submission;

public sealed record SubmitResult(int Accepted, IReadOnlyList<Rejection> Rejected);

public sealed record Rejection(int Index, string Field, string Message);

/// <summary>
/// Posts batches to the CRM's ingestion API with the API key. A 503 (the pipeline is catching up,
/// or Kafka is slow) is waited out for as long as its Retry-After says: nothing is lost, the
/// batch is simply sent again.
/// </summary>
public sealed class CrmIngestionClient(HttpClient http, IConfiguration configuration)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly string _apiKey = configuration["Ingestion:ApiKey"] ?? configuration["Parameters:ingest-api-key"]
        ?? throw new InvalidOperationException(
            "No ingestion API key: set Ingestion:ApiKey, or run the AppHost once in Development so the generated key is in its user secrets.");

    /// <param name="onThrottled">Called each time the CRM asks to wait (503/429).</param>
    public Task<SubmitResult> SubmitCustomersAsync<T>(IReadOnlyList<T> customers, Action? onThrottled, CancellationToken ct) => SubmitAsync("/api/customers", customers, onThrottled, ct);

    public Task<SubmitResult> SubmitOrdersAsync<T>(IReadOnlyList<T> orders, Action? onThrottled, CancellationToken ct) => SubmitAsync("/api/orders", orders, onThrottled, ct);

    private async Task<SubmitResult> SubmitAsync<T>(string path, IReadOnlyList<T> items, Action? onThrottled, CancellationToken ct)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(items, Json);
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new("application/json");
            request.Headers.Add("X-Api-Key", _apiKey);
            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, ct);
            }
            catch (HttpRequestException) when (attempt < 5)
            {
                // The Api restarting or a dropped connection: resubmitting is safe (repeats are recognised).
                await Task.Delay(TimeSpan.FromSeconds(attempt), ct);
                continue;
            }

            using var _ = response;
            if (response.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests)
            {
                onThrottled?.Invoke();
                await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1), ct);
                continue;
            }

            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                throw new InvalidOperationException("The CRM refused the ingestion API key (401): check Ingestion:ApiKey.");
            }

            if (response.StatusCode == HttpStatusCode.BadRequest)
            {
                // Every item was rejected; the problem details list each one.
                var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Json, ct);
                var rejected = problem.TryGetProperty("errors", out var errors)
                    ? errors.EnumerateObject().Select(e => ToRejection(e.Name, e.Value[0].GetString() ?? "")).ToList()
                    : [new Rejection(-1, "body", problem.GetRawText())];
                return new SubmitResult(0, rejected);
            }

            response.EnsureSuccessStatusCode();
            var result = await response.Content.ReadFromJsonAsync<SubmitResult>(Json, ct);
            return result!;
        }
    }

    /// <summary>
    /// Ids of stored customers (for orders of customers from earlier runs), page by page through the ingestion
    /// API's own read, with this source's API key: no marketer's session, and no personal data.
    /// </summary>
    public async Task<List<Guid>> GetCustomerIdsAsync(int max, CancellationToken ct)
    {
        var ids = new List<Guid>(max);
        string? after = null;
        do
        {
            using var request = new HttpRequestMessage(HttpMethod.Get,
                $"/api/ingestion/customer-ids?limit={Math.Min(10_000, max - ids.Count)}{(after is null ? "" : "&after=" + after)}");
            request.Headers.Add("X-Api-Key", _apiKey);
            using var response = await http.SendAsync(request, ct);
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                throw new InvalidOperationException("The CRM refused the ingestion API key (401): check Ingestion:ApiKey.");
            }

            response.EnsureSuccessStatusCode();
            var page = await response.Content.ReadFromJsonAsync<JsonElement>(Json, ct);
            ids.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.GetGuid()));
            after = page.GetProperty("nextCursor").GetString();
        }
        while (after is not null && ids.Count < max);

        return ids;
    }

    private static Rejection ToRejection(string path, string message)
    {
        // "[12].email" → item 12, field email
        var close = path.IndexOf(']');
        return path.StartsWith('[') && close > 0 && int.TryParse(path[1..close], out var index)
            ? new Rejection(index, path[(close + 2)..], message)
            : new Rejection(-1, path, message);
    }
}
