using System.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using MiniCrm.ServiceDefaults.Operations;

namespace MiniCrm.VendorSim.Deliveries;

public sealed record DeliveryRequest(Guid CampaignId, List<Recipient>? Deliveries);

public sealed record Recipient(Guid CustomerId, string? Name, string? Email, string? Phone, string? Message);

public sealed record DeliveryAccepted(int Accepted, int Queued);

internal static class DeliveriesApi
{
    public const int MaxBatch = 5_000;

    public static void MapDeliveriesApi(this WebApplication app)
    {
        app.MapPost("/deliveries", Accept).WithSummary("Accept a batch of messages to deliver; receipts follow on the CRM's /api/receipts");
    }

    /// <summary>Like a real provider: accept quickly (202), deliver later, report by webhook. A full queue answers 503 with Retry-After.</summary>
    public static Results<Accepted<DeliveryAccepted>, ValidationProblem, ProblemHttpResult> Accept(
        DeliveryRequest request, DeliveryQueue queue, VendorBacklog backlog, DrainSignal drain, HttpContext context)
    {
        if (drain.IsDraining)
        {
            context.Response.Headers.RetryAfter = "30";
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Stopping",
                detail: "The vendor is stopping and takes no new deliveries; send them again once it is back.");
        }

        if (request.CampaignId == Guid.Empty || request.Deliveries is not { Count: > 0 } deliveries)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["deliveries"] = ["A campaignId and at least one delivery are required."] });
        }

        if (deliveries.Count > MaxBatch)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["deliveries"] = [$"At most {MaxBatch} deliveries per batch."] });
        }

        if (!queue.TryEnqueue(new AcceptedBatch(request.CampaignId, deliveries, Activity.Current?.Context ?? default)))
        {
            context.Response.Headers.RetryAfter = "1";
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Busy", detail: "The delivery queue is full; retry shortly.");
        }

        backlog.Accepted(deliveries.Count);
        return TypedResults.Accepted((string?)null, new DeliveryAccepted(deliveries.Count, queue.Queued));
    }
}
