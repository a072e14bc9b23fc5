using Microsoft.AspNetCore.Http.HttpResults;
using MiniCrm.Api.Application.Ai;
using MiniCrm.Api.Auth;
using MiniCrm.Api.Http;
using MiniCrm.Core.Ai;

namespace MiniCrm.Api.Apis;

/// <summary>
/// The AI helpers, through <see cref="CrmAssistant"/>. Answers say which provider wrote them; every answer is
/// validated as user input is (rules through the segment validator, messages through the template parser)
/// before it is returned. With no model configured, or when the model is slow, fails or breaks a rule, the
/// offline provider answers: deterministic and built from the words given.
/// </summary>
public static class AiApi
{
    public static IEndpointRouteBuilder MapAiApi(this IEndpointRouteBuilder app)
    {
        var ai = app.MapGroup("/api/ai").WithTags("AI")
            .RequireAuthorization(CrmAuthentication.MarketerPolicy)
            .RequireRateLimiting(AbuseLimits.Ai)
            .WithBodyLimit(16 * 1024)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        ai.MapPost("/rules", DraftRules).WithSummary("A rule group from plain words: {text}; says which words it could not use")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        ai.MapPost("/messages", SuggestMessages).ProducesProblem(StatusCodes.Status403Forbidden).WithSummary("Three message templates from a campaign's name and objective: {name, objective?, audience?}")
            .ProducesValidationProblem();
        return app;
    }

    private static async Task<Results<Ok<RulesFromWords>, ValidationProblem, ProblemHttpResult>> DraftRules(
        RulesRequest request, HttpContext context, AiDrafts drafts, CancellationToken ct) =>
        (await drafts.RulesAsync(request, ct)).OkOrRefused(context);

    private static async Task<Results<Ok<MessageSuggestionsAnswer>, ValidationProblem, ProblemHttpResult>> SuggestMessages(
        MessagesRequest request, HttpContext context, AiDrafts drafts, CancellationToken ct) =>
        (await drafts.MessagesAsync(request, ct)).OkOrRefused(context);
}
