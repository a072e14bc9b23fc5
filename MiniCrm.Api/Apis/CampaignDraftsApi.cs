using Microsoft.AspNetCore.Http.HttpResults;
using MiniCrm.Api.Auth;
using MiniCrm.Api.Http;

namespace MiniCrm.Api.Apis;

/// <summary>
/// Drafts of campaigns (<see cref="CampaignDrafts"/>): what the composer keeps as the marketer types, listed with the
/// campaigns. Launch one with <c>POST /api/campaigns</c> and its <c>draftId</c>: a draft becomes one campaign at most.
/// </summary>
public static class CampaignDraftsApi
{
    public static IEndpointRouteBuilder MapCampaignDraftsApi(this IEndpointRouteBuilder app)
    {
        var drafts = app.MapGroup("/api/campaigns/drafts").WithTags("Campaigns").RequireAuthorization(CrmAuthentication.MarketerPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        drafts.MapGet("/", ListDrafts).WithSummary("Drafts not launched yet, most recently edited first, optionally whose name contains {search}");
        drafts.MapPost("/", CreateDraft).ProducesProblem(StatusCodes.Status403Forbidden).WithSummary("Keep a campaign being composed: any JSON object (name, message, rules, …); takes an Idempotency-Key")
            .WithBodyLimit(CampaignDrafts.MaxBytes + 1024)
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        drafts.MapGet("/{id:guid}", GetDraft).WithSummary("One draft");
        drafts.MapPut("/{id:guid}", UpdateDraft).ProducesProblem(StatusCodes.Status403Forbidden).WithSummary("Replace a draft's content; 409 once it was launched")
            .WithBodyLimit(CampaignDrafts.MaxBytes + 1024)
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        drafts.MapDelete("/{id:guid}", DeleteDraft).ProducesProblem(StatusCodes.Status403Forbidden).WithSummary("Throw a draft away");
        return app;
    }

    /// <summary>Drafts still being composed, most recently edited first.</summary>
    /// <param name="limit">Drafts per page.</param>
    /// <param name="cursor">Where the previous page ended.</param>
    /// <param name="search">Only drafts whose name contains these words.</param>
    public static async Task<Results<Ok<Page<DraftView>>, ValidationProblem>> ListDrafts(CampaignDrafts drafts, int? limit, string? cursor, string? search, CancellationToken ct) =>
        (await drafts.ListAsync(limit, cursor, search, ct)).OkOrInvalid();

    public static async Task<Results<Created<DraftView>, ValidationProblem, ProblemHttpResult>> CreateDraft(
        DraftContent content, HttpContext context, CampaignDrafts drafts, CancellationToken ct)
    {
        var once = Idempotency.Request(context, context.User.UserId(), CampaignDrafts.Operation, ApiJson.Fingerprint(content, ApiJson.Default.DraftContent), out var keyProblem);
        return keyProblem is not null
            ? Problems.Validation(keyProblem)
            : (await drafts.CreateAsync(content, once, ct)).Created(context, d => $"/api/campaigns/drafts/{d.Id}");
    }

    public static async Task<Results<Ok<DraftView>, NotFound>> GetDraft(Guid id, CampaignDrafts drafts, CancellationToken ct) =>
        await drafts.GetAsync(id, ct) is { } draft ? TypedResults.Ok(draft) : TypedResults.NotFound();

    public static async Task<Results<Ok<DraftView>, NotFound, ValidationProblem, ProblemHttpResult>> UpdateDraft(
        Guid id, DraftContent content, HttpContext context, CampaignDrafts drafts, CancellationToken ct) =>
        (await drafts.UpdateAsync(id, content, ct)).Answer(context);

    public static async Task<Results<NoContent, NotFound, ProblemHttpResult>> DeleteDraft(Guid id, HttpContext context, CampaignDrafts drafts, CancellationToken ct) =>
        (await drafts.DeleteAsync(id, ct)).NoContentOrProblem(context);
}
