using Microsoft.AspNetCore.Http.HttpResults;
using MiniCrm.Api.Application.Journeys;
using MiniCrm.Api.Auth;
using MiniCrm.Api.Http;
using MiniCrm.Core.Journeys;

namespace MiniCrm.Api.Apis;

public static class JourneysApi
{
    public static IEndpointRouteBuilder MapJourneysApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/journeys").WithTags("Journeys").RequireAuthorization(CrmAuthentication.MarketerPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        api.MapGet("/", ListJourneys).WithSummary("Journeys, newest first, optionally whose name contains {search}, with their counts")
            .ProducesValidationProblem();
        api.MapPost("/", CreateJourney).WithSummary("Create a journey (a DRAFT): {name, definition}. Takes an Idempotency-Key")
            .RequireRateLimiting(AbuseLimits.Preview).WithBodyLimit(256 * 1024)
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType).ProducesProblem(StatusCodes.Status422UnprocessableEntity).ProducesProblem(StatusCodes.Status429TooManyRequests);
        api.MapPost("/dry-run", DryRun).WithSummary("How many customers a journey's trigger would have entered in the last 30 days: {trigger, steps, ...}")
            .RequireRateLimiting(AbuseLimits.Preview).WithBodyLimit(256 * 1024).WithBodyPath("definition")
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType).ProducesProblem(StatusCodes.Status429TooManyRequests);
        api.MapGet("/{id:guid}", GetJourney).WithSummary("One journey: its counts, its steps with the customers in each now, its versions and history; ?version=N for what an earlier version said (its steps and the customers still in them)");
        api.MapPut("/{id:guid}", UpdateJourney).WithSummary("Rename a journey or save a new version: {name?, definition?}; customers inside finish the version they entered")
            .RequireRateLimiting(AbuseLimits.Preview).WithBodyLimit(256 * 1024)
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType).ProducesProblem(StatusCodes.Status429TooManyRequests);
        api.MapPost("/{id:guid}/activate", Activate).WithSummary("Activate a DRAFT journey: customers enter from now (AUDIENCE_NOW: everyone in the audience at once)")
            .RequireRateLimiting(AbuseLimits.Launch).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status429TooManyRequests);
        api.MapPost("/{id:guid}/pause", Pause).WithSummary("Pause an ACTIVE journey: every customer stays where they are, nothing is sent")
            .RequireRateLimiting(AbuseLimits.Launch).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status429TooManyRequests);
        api.MapPost("/{id:guid}/resume", Resume).WithSummary("Resume a PAUSED journey: every customer goes on from where they were")
            .RequireRateLimiting(AbuseLimits.Launch).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status429TooManyRequests);
        api.MapPost("/{id:guid}/stop", Stop).WithSummary("Stop a journey for good: every customer leaves (STOPPED), unsent messages are cancelled")
            .RequireRateLimiting(AbuseLimits.Launch).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status429TooManyRequests);
        api.MapDelete("/{id:guid}", DeleteJourney).WithSummary("Delete a DRAFT journey that never ran; 409 for one that ran (stop it instead)")
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    public static async Task<Results<Ok<IReadOnlyList<JourneyView>>, ValidationProblem>> ListJourneys(JourneyService journeys, string? search, CancellationToken ct) =>
        (await journeys.ListAsync(search, ct)).OkOrInvalid();

    public static async Task<Results<Created<JourneyDetail>, ValidationProblem, ProblemHttpResult>> CreateJourney(
        JourneyRequest request, HttpContext context, JourneyService journeys, CancellationToken ct)
    {
        var once = Idempotency.Request(context, context.User.UserId(), JourneyService.CreateOperation, ApiJson.Fingerprint(request, ApiJson.Default.JourneyRequest), out var keyProblem);
        if (keyProblem is not null)
        {
            return Problems.Validation(keyProblem);
        }

        return (await journeys.CreateAsync(request, once, ct)).Created(context, j => $"/api/journeys/{j.Journey.Id}");
    }

    public static async Task<Results<Ok<JourneyDryRun>, ValidationProblem, ProblemHttpResult>> DryRun(
        JourneyDefinition definition, HttpContext context, JourneyService journeys, CancellationToken ct) =>
        (await journeys.DryRunAsync(definition, ct)).OkOrRefused(context);

    public static async Task<Results<Ok<JourneyDetail>, NotFound>> GetJourney(Guid id, int? version, JourneyService journeys, CancellationToken ct) =>
        (await journeys.GetAsync(id, ct, version)).OkOrNotFound();

    public static async Task<Results<Ok<JourneyDetail>, NotFound, ValidationProblem, ProblemHttpResult>> UpdateJourney(
        Guid id, JourneyRequest request, HttpContext context, JourneyService journeys, CancellationToken ct) =>
        (await journeys.UpdateAsync(id, request, ct)).Answer(context);

    public static async Task<Results<Ok<JourneyDetail>, NotFound, ProblemHttpResult>> Activate(Guid id, HttpContext context, JourneyService journeys, CancellationToken ct) =>
        (await journeys.ActivateAsync(id, ct)).OkOrProblem(context);

    public static async Task<Results<Ok<JourneyDetail>, NotFound, ProblemHttpResult>> Pause(Guid id, HttpContext context, JourneyService journeys, CancellationToken ct) =>
        (await journeys.PauseAsync(id, ct)).OkOrProblem(context);

    public static async Task<Results<Ok<JourneyDetail>, NotFound, ProblemHttpResult>> Resume(Guid id, HttpContext context, JourneyService journeys, CancellationToken ct) =>
        (await journeys.ResumeAsync(id, ct)).OkOrProblem(context);

    public static async Task<Results<Ok<JourneyDetail>, NotFound, ProblemHttpResult>> Stop(Guid id, HttpContext context, JourneyService journeys, CancellationToken ct) =>
        (await journeys.StopAsync(id, ct)).OkOrProblem(context);

    public static async Task<Results<NoContent, NotFound, ProblemHttpResult>> DeleteJourney(Guid id, HttpContext context, JourneyService journeys, CancellationToken ct) =>
        (await journeys.DeleteAsync(id, ct)).NoContentOrProblem(context);
}
