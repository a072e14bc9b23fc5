using System.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using MiniCrm.ServiceDefaults.Operations;
using MiniCrm.VendorSim.Receipts;

namespace MiniCrm.VendorSim.Deliveries;

public sealed record DeliveryRequest(Guid CampaignId, List<Recipient>? Deliveries);

/// <summary>One message; <see cref="DeliveryId"/> is the sender's idempotency key (the same on every send of it).</summary>
public sealed record Recipient(Guid CustomerId, string? Name, string? Email, string? Phone, string? Message, Guid DeliveryId = default);

/// <summary><see cref="Accepted"/> new deliveries; <see cref="Duplicates"/> already known (dropped, their receipt sent again if they were delivered).</summary>
public sealed record DeliveryAccepted(int Accepted, int Duplicates, int Queued);

public sealed record DeliveryStats(long Messaged, long DuplicatesDropped, long ReceiptsResent, long Queued);

/// <summary>The simulated shoppers: the share of messaged customers who buy, within how many seconds; <see cref="Waiting"/> purchases to come.</summary>
public sealed record ShopSettings(double BuyRate, int MaxDelaySeconds, int Waiting = 0);

internal static class DeliveriesApi
{
    public const int MaxBatch = 5_000;

    public static void MapDeliveriesApi(this WebApplication app)
    {
        var key = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<VendorOptions>>().Value.ApiKey;
        app.MapPost("/deliveries", Accept).WithSummary("Accept a batch of messages to deliver; receipts follow on the CRM's /api/receipts")
            .RequireMachineCredential("Authorization: Bearer (the vendor-api-key parameter)")
            .AddEndpointFilter(async (context, next) =>
            {
                // As a real messaging vendor's API: an account key on every request, compared in constant time.
                var header = context.HttpContext.Request.Headers.Authorization.ToString();
                return SharedKey.Matches(key, header.StartsWith("Bearer ", StringComparison.Ordinal) ? header[7..] : null)
                    ? await next(context)
                    : TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "API key required",
                        detail: "Send the account's API key as Authorization: Bearer <key>.");
            });
        app.MapGet("/deliveries/{deliveryId:guid}", Results<Ok<SentMessage>, NotFound> (Guid deliveryId, RecentMessages recent) =>
                recent.Find(deliveryId) is { } message ? TypedResults.Ok(message) : TypedResults.NotFound())
            .WithSummary("One of the last messages taken, as the customer gets it (the sandbox inbox)")
            .RequireOperationsKey(app.Configuration["Operations:Key"]);
        app.MapPut("/shop", (ShopSettings settings, MiniCrm.VendorSim.Shop.Shoppers shoppers) =>
            {
                if (settings.BuyRate is not (>= 0 and <= 1) || settings.MaxDelaySeconds is not (>= 1 and <= 86_400))
                {
                    return Results.ValidationProblem(new Dictionary<string, string[]> { ["buyRate"] = ["buyRate 0 to 1, maxDelaySeconds 1 to 86400."] });
                }

                shoppers.Configure(settings.BuyRate, settings.MaxDelaySeconds);
                return Results.Ok(new ShopSettings(shoppers.BuyRate, shoppers.MaxDelaySeconds, shoppers.Waiting));
            })
            .WithSummary("The simulated shoppers: the share of messaged customers who buy, and within how long")
            .RequireOperationsKey(app.Configuration["Operations:Key"]);
        app.MapGet("/shop", (MiniCrm.VendorSim.Shop.Shoppers shoppers) => TypedResults.Ok(new ShopSettings(shoppers.BuyRate, shoppers.MaxDelaySeconds, shoppers.Waiting)))
            .WithSummary("The simulated shoppers' settings, and how many purchases wait to be made")
            .RequireOperationsKey(app.Configuration["Operations:Key"]);
        app.MapGet("/deliveries/stats", (DeliveryLedger ledger, DeliveryQueue queue) =>
                TypedResults.Ok(new DeliveryStats(ledger.Messaged, ledger.DuplicatesDropped, ledger.ReceiptsResent, queue.Queued)))
            .WithSummary("How many messages went out, and how many duplicates were dropped")
            .RequireOperationsKey(app.Configuration["Operations:Key"]);
    }

    /// <summary>Like a real provider: accept quickly (202), deliver later, report by webhook. A full queue answers 503 with Retry-After.</summary>
    public static async Task<Results<Accepted<DeliveryAccepted>, ValidationProblem, ProblemHttpResult>> Accept(
        DeliveryRequest request, DeliveryQueue queue, DeliveryLedger ledger, ReceiptQueue receipts, VendorBacklog backlog, RecentMessages recent, DrainSignal drain,
        TimeProvider clock, Microsoft.Extensions.Options.IOptions<VendorOptions> options, HttpContext context)
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

        if (Random.Shared.NextDouble() < options.Value.ErrorRate)
        {
            // A vendor having a bad day: the batch is not taken, and the CRM must send it again.
            return TypedResults.Problem(statusCode: StatusCodes.Status500InternalServerError, title: "Simulated vendor error",
                detail: "Vendor:ErrorRate made this request fail; nothing was accepted.");
        }

        if (queue.Queued + deliveries.Count > queue.Capacity)
        {
            context.Response.Headers.RetryAfter = "1";
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Busy", detail: "The delivery queue is full; retry shortly.");
        }

        var fresh = new List<Recipient>(deliveries.Count);
        var resent = new List<Receipt>();
        var at = clock.GetUtcNow();
        foreach (var delivery in deliveries)
        {
            if (ledger.TryBegin(delivery.DeliveryId, out var outcome, out var deliveredAt))
            {
                fresh.Add(delivery);
                recent.Add(new SentMessage(delivery.DeliveryId, request.CampaignId, delivery.CustomerId, delivery.Email, delivery.Phone, delivery.Message, at));
            }
            else if (outcome != DeliveryLedger.OnItsWay)
            {
                resent.Add(DeliverySimulator.ReceiptFor(request.CampaignId, delivery, outcome, deliveredAt));
            }
        }

        if (fresh.Count > 0)
        {
            queue.Enqueue(new AcceptedBatch(request.CampaignId, fresh, Activity.Current?.Context ?? default));
            backlog.Accepted(fresh.Count);
        }

        if (resent.Count > 0)
        {
            // Counted while its receipt waits for room in the queue (an orderly stop waits for it), and counted off if
            // the request is given up meanwhile: the sender will ask again, and a receipt that was never queued is no backlog.
            backlog.Accepted(resent.Count);
            try
            {
                await receipts.EnqueueAsync(new PendingReceipts(resent, resent.Count, Activity.Current?.Context ?? default), context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                backlog.Reported(resent.Count);
                throw;
            }
        }

        return TypedResults.Accepted((string?)null, new DeliveryAccepted(fresh.Count, deliveries.Count - fresh.Count, queue.Queued));
    }
}
