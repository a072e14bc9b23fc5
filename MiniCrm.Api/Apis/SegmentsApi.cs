using MiniCrm.Api.Auth;
using Microsoft.AspNetCore.Http.HttpResults;
using MiniCrm.Api.Http;
using MiniCrm.Core.Segments;

namespace MiniCrm.Api.Apis;

public static class SegmentsApi
{
    public static IEndpointRouteBuilder MapSegmentsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/segments/preview", Preview)
            .RequireAuthorization(CrmAuthentication.MarketerPolicy)
            .RequireRateLimiting(AbuseLimits.Preview).WithBodyLimit(256 * 1024).WithBodyPath("rules")
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithTags("Segments")
            .WithSummary("How many customers a rule group selects, with a sample of them; smartSending=false counts without smart sending")
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        var saved = app.MapGroup("/api/segments").WithTags("Segments").RequireAuthorization(CrmAuthentication.MarketerPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        saved.MapPost("/", CreateSegment).ProducesProblem(StatusCodes.Status403Forbidden).WithSummary("Save an audience: {name, rules}; answers it with its count. Takes an Idempotency-Key")
            .RequireRateLimiting(AbuseLimits.Preview).WithBodyLimit(256 * 1024)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType).ProducesProblem(StatusCodes.Status429TooManyRequests);
        saved.MapGet("/", ListSegments).WithSummary("Saved audiences, newest first, optionally whose name contains {search}; counts as last taken");
        saved.MapGet("/{id:guid}", GetSegment).WithSummary("One saved audience, counted now")
            .RequireRateLimiting(AbuseLimits.Preview).ProducesProblem(StatusCodes.Status429TooManyRequests);
        saved.MapPut("/{id:guid}", UpdateSegment).ProducesProblem(StatusCodes.Status403Forbidden).WithSummary("Rename a saved audience or change its rules: {name?, rules?}")
            .RequireRateLimiting(AbuseLimits.Preview).WithBodyLimit(256 * 1024)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType).ProducesProblem(StatusCodes.Status429TooManyRequests);
        saved.MapDelete("/{id:guid}", DeleteSegment).ProducesProblem(StatusCodes.Status403Forbidden).WithSummary("Delete a saved audience; 409 while a scheduled campaign uses it")
            .ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    public static async Task<Results<Created<SegmentView>, ValidationProblem, ProblemHttpResult>> CreateSegment(
        SegmentRequest request, HttpContext context, SegmentCatalog catalog, CancellationToken ct)
    {
        var once = Idempotency.Request(context, context.User.UserId(), SegmentCatalog.CreateOperation, ApiJson.Fingerprint(request, ApiJson.Default.SegmentRequest), out var keyProblem);
        if (keyProblem is not null)
        {
            return Problems.Validation(keyProblem);
        }

        return (await catalog.CreateAsync(request, once, ct)).Created(context, s => $"/api/segments/{s.Id}");
    }

    public static async Task<Results<Ok<Page<SegmentView>>, ValidationProblem>> ListSegments(SegmentCatalog catalog, int? limit, string? cursor, string? search, CancellationToken ct) =>
        (await catalog.ListAsync(limit, cursor, search, ct)).OkOrInvalid();

    public static async Task<Results<Ok<SegmentView>, NotFound>> GetSegment(Guid id, SegmentCatalog catalog, CancellationToken ct) =>
        (await catalog.GetAsync(id, ct)).OkOrNotFound();

    public static async Task<Results<Ok<SegmentView>, NotFound, ValidationProblem, ProblemHttpResult>> UpdateSegment(
        Guid id, SegmentRequest request, HttpContext context, SegmentCatalog catalog, CancellationToken ct) =>
        (await catalog.UpdateAsync(id, request, ct)).Answer(context);

    public static async Task<Results<NoContent, NotFound, ProblemHttpResult>> DeleteSegment(Guid id, HttpContext context, SegmentCatalog catalog, CancellationToken ct) =>
        (await catalog.DeleteAsync(id, ct)).NoContentOrProblem(context);

    /// <param name="smartSending">false counts the audience as a campaign with smart sending turned off would reach it (default true).</param>
    public static async Task<Results<Ok<SegmentPreview>, ValidationProblem, ProblemHttpResult>> Preview(
        RuleNode rules, HttpContext context, SegmentCatalog catalog, bool? smartSending, CancellationToken ct) =>
        (await catalog.PreviewAsync(rules, smartSending ?? true, ct)).OkOrRefused(context);
}
