using MiniCrm.Api.Application.Receipts;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using MiniCrm.Api.Http;
using MiniCrm.Core.Messaging;
using MiniCrm.Core.Segments;
using MiniCrm.ServiceDefaults.Operations;
using MiniCrm.ServiceDefaults.Kafka;

namespace MiniCrm.Api.Apis;

public sealed record ReceiptsAccepted(int Accepted, IReadOnlyList<RejectedItem> Rejected);

/// <summary>
/// The vendor's delivery receipts: checked (signature, time window, fields), published to
/// deliveries-receipt and acknowledged; the Workers apply them, counting only the first receipt per delivery.
/// </summary>
public static class ReceiptsApi
{
    public const int MaxReceiptsPerRequest = 5_000;
    private const int MaxBodyBytes = 4 * 1024 * 1024;

    public static IEndpointRouteBuilder MapReceiptsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/receipts", ReceiveReceipts)
            .WithTags("Receipts")
            .WithSummary("Signed receipt batches from the messaging vendor: {receipts: [...]}")
            .Accepts<ReceiptBatch>("application/json")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .RequireRateLimiting(AbuseLimits.Receipts)
            .RequireMachineCredential($"{ReceiptSignature.HeaderName} (HMAC of the vendor-signing-secret)")
            .WithBodyLimit(MaxBodyBytes + 1);
        return app;
    }

    public static async Task<Results<Accepted<ReceiptsAccepted>, ValidationProblem, ProblemHttpResult>> ReceiveReceipts(
        HttpContext context, ReceiptSignature signature, PipelinePublisher publisher, ConsumerLagMonitor lag, TimeProvider clock, CancellationToken ct)
    {
        if (lag.IsBehind(KafkaTopics.DeliveryReceipts))
        {
            return Problems.Unavailable("Receipts are being applied; resend this batch after Retry-After.", 1, context);
        }

        // The header first: a stale, forged or missing signature is refused before a byte of the body is read.
        if (signature.Check(context.Request.Headers[ReceiptSignature.HeaderName], out var signed) is { } refusal)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Signature refused", detail: refusal);
        }

        var body = await ReadBodyAsync(context.Request, ct);
        if (body is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request too large",
                detail: $"A receipt batch is at most {MaxBodyBytes / 1024 / 1024} MiB.");
        }

        if (!signature.Matches(signed!, body.Value.Span))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Signature refused", detail: ReceiptSignature.Mismatch);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.Value);
        }
        catch (JsonException ex)
        {
            return Problems.Validation(new FieldError("body", $"The body is not valid JSON: {ex.Message}"));
        }

        using var _ = document;
        if (document.RootElement.ValueKind != JsonValueKind.Object ||
            !document.RootElement.TryGetProperty("receipts", out var receiptsJson) || receiptsJson.ValueKind != JsonValueKind.Array)
        {
            return Problems.Validation(new FieldError("receipts", "Required: an array of receipts."));
        }

        if (receiptsJson.GetArrayLength() > MaxReceiptsPerRequest)
        {
            return Problems.Validation(new FieldError("receipts", $"At most {MaxReceiptsPerRequest} receipts per request."));
        }

        var accepted = new List<(Guid Campaign, Receipt Receipt)>();
        var rejected = new List<RejectedItem>();
        var index = 0;
        foreach (var item in receiptsJson.EnumerateArray())
        {
            var errors = new List<FieldError>();
            var reader = new FieldReader(item, "", errors);
            var campaignId = reader.IsObject ? reader.Guid("campaignId") : null;
            var customerId = reader.IsObject ? reader.Guid("customerId") : null;
            var status = reader.IsObject ? reader.String("status", required: true, 10) : null;
            var deliveredAt = reader.IsObject ? reader.Timestamp("deliveredAt") : null;
            var reason = reader.IsObject ? reader.FreeText("reason", 500) : null;
            if (!reader.IsObject)
            {
                errors.Add(new FieldError("item", "Must be an object."));
            }
            else
            {
                if (campaignId is null && !errors.Any(e => e.Field == "campaignId")) reader.Error("campaignId", "Required.");
                if (customerId is null && !errors.Any(e => e.Field == "customerId")) reader.Error("customerId", "Required.");
                if (status is not null && status is not ("SENT" or "FAILED")) reader.Error("status", "Must be SENT or FAILED.");
            }

            if (errors.Count > 0)
            {
                rejected.AddRange(errors.Select(e => new RejectedItem(index, e.Field, e.Message)));
            }
            else
            {
                accepted.Add((campaignId!.Value, new Receipt(
                    customerId!.Value, status == "SENT" ? DeliveryStatus.Sent : DeliveryStatus.Failed, deliveredAt ?? clock.GetUtcNow(), reason)));
            }

            index++;
        }

        if (accepted.Count == 0)
        {
            return Problems.Validation(rejected.Count == 0
                ? [new FieldError("receipts", "The batch is empty.")]
                : rejected.Select(r => new FieldError($"receipts[{r.Index}].{r.Field}", r.Message)));
        }

        // One message per campaign, cut under Kafka's message limit (5,000 receipts with long reasons are several MB).
        var messages = accepted
            .GroupBy(a => a.Campaign)
            .SelectMany(g => MessageJson.SerializeWithin(g.Select(a => a.Receipt).ToArray(), part => new ReceiptsReceived(g.Key, part))
                .Select(part => new Confluent.Kafka.Message<string, byte[]> { Key = g.Key.ToString(), Value = part.Value }))
            .ToList();
        if (!await publisher.PublishAllAsync(KafkaTopics.DeliveryReceipts, messages, ct))
        {
            return Problems.Unavailable("Receipts could not be queued in time; resend the batch (duplicates are ignored).", 5, context);
        }

        return TypedResults.Accepted((string?)null, new ReceiptsAccepted(accepted.Count, rejected));
    }

    /// <summary>The body, at most <see cref="MaxBodyBytes"/>, in one buffer (not copied again); null past the limit.</summary>
    private static async Task<ReadOnlyMemory<byte>?> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        var buffer = new MemoryStream((int)Math.Min(request.ContentLength ?? 81920, MaxBodyBytes));
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }
}
