using Microsoft.AspNetCore.Http.HttpResults;
using MiniCrm.Api.Application.Ai;
using MiniCrm.Api.Auth;
using MiniCrm.Api.Http;
using MiniCrm.Core.Ai;

namespace MiniCrm.Api.Apis;

public sealed record RulesRequest(string Text);

public sealed record MessagesRequest(string Name, string? Objective, string? Audience);

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
            .Accepts<RulesRequest>("application/json").ProducesValidationProblem().ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        ai.MapPost("/messages", SuggestMessages).WithSummary("Three message templates from a campaign's name and objective: {name, objective?, audience?}")
            .Accepts<MessagesRequest>("application/json").ProducesValidationProblem();
        return app;
    }

    private static async Task<Results<Ok<RulesFromWords>, ValidationProblem, ProblemHttpResult>> DraftRules(HttpContext context, AiDrafts drafts, CancellationToken ct)
    {
        var (document, error) = await JsonBody.ReadAsync(context.Request, ct);
        using var _ = document;
        if (error is not null)
        {
            return error;
        }

        return (await drafts.RulesAsync(document!.RootElement, ct)).OkOrRefused(context);
    }

    private static async Task<Results<Ok<MessageSuggestionsAnswer>, ValidationProblem, ProblemHttpResult>> SuggestMessages(HttpContext context, AiDrafts drafts, CancellationToken ct)
    {
        var (document, error) = await JsonBody.ReadAsync(context.Request, ct);
        using var _ = document;
        if (error is not null)
        {
            return error;
        }

        return (await drafts.MessagesAsync(document!.RootElement, ct)).OkOrRefused(context);
    }
}
