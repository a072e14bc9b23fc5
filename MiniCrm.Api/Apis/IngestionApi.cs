using Microsoft.AspNetCore.Http.HttpResults;
using MiniCrm.Api.Http;
using MiniCrm.ServiceDefaults.Operations;
using MiniCrm.ServiceDefaults.Kafka;

namespace MiniCrm.Api.Apis;

/// <summary>The answer to an ingestion request: how many items went to Kafka, and why each other one did not.</summary>
public sealed record IngestionResult(int Accepted, IReadOnlyList<AcceptedItem> Items, IReadOnlyList<RejectedItem> Rejected);

public sealed record AcceptedItem(int Index, string Id);

/// <summary>A page of customer ids, for a source that submits orders for customers it did not create (ids only: no personal data).</summary>
public sealed record CustomerIdPage(IReadOnlyList<Guid> Items, string? NextCursor);

/// <summary>
/// Customers and orders from source systems: one item or an array of up to 5,000. Valid items are
/// published to Kafka and acknowledged before the answer (202); the Workers persist them.
/// </summary>
public static class IngestionApi
{
    public const int MaxItemsPerRequest = 5_000;

    public static IEndpointRouteBuilder MapIngestionApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/customers", SubmitCustomers)
            .WithTags("Ingestion")
            .WithSummary("Submit one customer or an array of customers")
            .Accepts<IReadOnlyList<CustomerSubmission>>("application/json")
            .ProducesIngestionProblems()
            .RequireIngestionApiKey();
        app.MapPost("/api/orders", SubmitOrders)
            .WithTags("Ingestion")
            .WithSummary("Submit one order or an array of orders")
            .Accepts<IReadOnlyList<OrderSubmission>>("application/json")
            .ProducesIngestionProblems()
            .RequireIngestionApiKey();
        app.MapGet("/api/ingestion/customer-ids", CustomerIds)
            .WithTags("Ingestion")
            .WithSummary("Ids of stored customers, in id order, for sources that submit orders for existing customers (ids only, no personal data)")
            .RequireRateLimiting(AbuseLimits.Ingestion)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .RequireIngestionApiKey();
        return app;
    }

    /// <param name="limit">Ids per page, 1 to 10,000 (1,000 if left out).</param>
    /// <param name="after">The last id of the previous page (its <c>nextCursor</c>).</param>
    public static async Task<Results<Ok<CustomerIdPage>, ValidationProblem>> CustomerIds(CrmDbContext db, int? limit, Guid? after, CancellationToken ct)
    {
        if (limit is < 1 or > 10_000)
        {
            return Problems.Validation(new MiniCrm.Core.Segments.FieldError("limit", "Between 1 and 10,000."));
        }

        var take = limit ?? 1_000;
        var ids = await db.ListAsync(
            $"SELECT id FROM customers WHERE @after::uuid IS NULL OR id > @after ORDER BY id LIMIT {take + 1}",
            [new Npgsql.NpgsqlParameter("after", NpgsqlTypes.NpgsqlDbType.Uuid) { Value = (object?)after ?? DBNull.Value }], r => r.GetGuid(0), ct);
        return TypedResults.Ok(new CustomerIdPage([.. ids.Take(take)], ids.Count > take ? ids[take - 1].ToString() : null));
    }

    private static RouteHandlerBuilder ProducesIngestionProblems(this RouteHandlerBuilder endpoint) => endpoint
        .RequireRateLimiting(AbuseLimits.Ingestion)
        .WithBodyLimit(16 * 1024 * 1024)
        .ProducesProblem(StatusCodes.Status429TooManyRequests)
        .ProducesProblem(StatusCodes.Status409Conflict)
        .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
        .ProducesProblem(StatusCodes.Status401Unauthorized)
        .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
        .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
        .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

    /// <summary>Whose Idempotency-Keys an ingestion request's are: the ingestion key's, one namespace for every source.</summary>
    public const string KeyOwner = "ingestion";

    public static Task<Results<Accepted<IngestionResult>, ValidationProblem, ProblemHttpResult>> SubmitCustomers(
        HttpContext context, CustomerIntake intake, PipelinePublisher publisher, ConsumerLagMonitor lag, IdempotencyKeys keys, DrainSignal drain, CancellationToken ct) =>
        SubmitAsync(context, KafkaTopics.Customers, intake.ValidateAsync, c => c.CustomerId.ToString(), publisher, lag, keys, drain, ct);

    public static Task<Results<Accepted<IngestionResult>, ValidationProblem, ProblemHttpResult>> SubmitOrders(
        HttpContext context, OrderIntake intake, PipelinePublisher publisher, ConsumerLagMonitor lag, IdempotencyKeys keys, DrainSignal drain, CancellationToken ct) =>
        SubmitAsync(context, KafkaTopics.Orders, intake.ValidateAsync, o => o.OrderId, publisher, lag, keys, drain, ct);

    /// <summary>
    /// Backpressure, then the body, then bulk validation, then Kafka; the answer says what happened to every item. With an
    /// Idempotency-Key the answer is recorded once Kafka has the items, and a repeat gets it again without publishing anything.
    /// </summary>
    private static async Task<Results<Accepted<IngestionResult>, ValidationProblem, ProblemHttpResult>> SubmitAsync<T>(
        HttpContext context, string topic, Func<IReadOnlyList<System.Text.Json.JsonElement>, CancellationToken, Task<Intake<T>>> validate,
        Func<T, string> idOf, PipelinePublisher publisher, ConsumerLagMonitor lag, IdempotencyKeys keys, DrainSignal drain, CancellationToken ct)
    {
        if (drain.IsDraining)
        {
            return Problems.Stopping(context);
        }

        if (lag.IsBehind(topic))
        {
            return Behind(context, lag, topic);
        }

        var (document, error) = await JsonBody.ReadAsync(context.Request, ct);
        using var _ = document;
        if (error is not null)
        {
            return error;
        }

        var items = JsonBody.Items(document!.RootElement, MaxItemsPerRequest, out error);
        if (error is not null)
        {
            return error;
        }

        var once = Idempotency.Request(context, KeyOwner, $"POST {topic}", document.RootElement.GetRawText(), out var keyProblem);
        if (keyProblem is not null)
        {
            return Problems.Validation(keyProblem);
        }

        if (once is not null)
        {
            var claim = await keys.ClaimAsync(once, ct);
            if (claim.State != ClaimState.New)
            {
                return claim.State == ClaimState.Replay && claim.Answer<IngestionResult>() is { } first
                    ? Idempotency.Replayed(context, TypedResults.Accepted((string?)null, first))
                    : ResultHttp.Problem(IdempotencyKeys.Refusal(claim.State), context);
            }
        }

        return await keys.GuardAsync(once, async () =>
        {
            var answer = await PublishAsync(context, topic, await validate(items!, ct), idOf, publisher, ct);
            if (once is not null && answer.Result is Accepted<IngestionResult> { Value: { } accepted })
            {
                await keys.CompleteAsync(once, StatusCodes.Status202Accepted, accepted, CancellationToken.None);
            }

            return answer;
        }, answer => answer.Result is Accepted<IngestionResult>);
    }

    private static async Task<Results<Accepted<IngestionResult>, ValidationProblem, ProblemHttpResult>> PublishAsync<T>(
        HttpContext context, string topic, Intake<T> intake, Func<T, string> idOf, PipelinePublisher publisher, CancellationToken ct)
    {
        if (intake.Accepted.Count == 0)
        {
            var problem = Problems.Validation(intake.Rejected.Select(r => new MiniCrm.Core.Segments.FieldError($"[{r.Index}].{r.Field}", r.Message)));
            return problem;
        }

        if (!await publisher.PublishAllAsync(topic, [.. intake.Accepted.Select(a => (a.Key, a.Message))], ct))
        {
            return Problems.Unavailable(
                "Kafka did not acknowledge the items in time, so none is claimed as accepted. Resubmit the same request: items that did get through are recognised and not stored twice.",
                retryAfterSeconds: 5, context);
        }

        return TypedResults.Accepted((string?)null, new IngestionResult(
            intake.Accepted.Count,
            [.. intake.Accepted.Select(a => new AcceptedItem(a.Index, idOf(a.Message)))],
            intake.Rejected));
    }

    private static ProblemHttpResult Behind(HttpContext context, ConsumerLagMonitor lag, string topic) =>
        Problems.Unavailable(
            $"The pipeline is {lag.LagOf(topic):N0} messages behind on {topic} (limit {lag.LimitOf(topic):N0} per partition). Retry after the delay in Retry-After; nothing from this request was accepted.",
            retryAfterSeconds: 1, context);
}
