using MiniCrm.Api.Services;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using MiniCrm.Api.Auth;
using MiniCrm.Api.Http;
using MiniCrm.Core.Ai;
using MiniCrm.Core.Segments;
using MiniCrm.Core.Text;

namespace MiniCrm.Api.Apis;

/// <summary>Rules drafted from words; <c>provider</c> and <c>model</c> say who drafted them, <c>fallback</c> why the offline provider did instead.</summary>
public sealed record RulesFromWords(JsonNode Rules, string Description, IReadOnlyList<string> Unused, string Provider, string? Model, string? Fallback);

/// <summary>Three templates, each with the provider that wrote it.</summary>
public sealed record MessageSuggestionsAnswer(IReadOnlyList<Suggestion> Suggestions, string Provider, string? Model, string? Fallback);

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

    private static async Task<Results<Ok<RulesFromWords>, ValidationProblem, ProblemHttpResult>> DraftRules(HttpContext context, CrmAssistant assistant, CityNames cities, CancellationToken ct)
    {
        var (document, error) = await JsonBody.ReadAsync(context.Request, ct);
        using var _ = document;
        if (error is not null)
        {
            return error;
        }

        return await RulesAsync(document!.RootElement, assistant, cities, ct);
    }

    /// <summary>Rules from the words in the request's JSON, for the endpoint and the audience builder.</summary>
    public static async Task<Results<Ok<RulesFromWords>, ValidationProblem, ProblemHttpResult>> RulesAsync(JsonElement root, CrmAssistant assistant, CityNames cities, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        var text = Text(root, "text", 1_000, required: true, errors);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var answer = await assistant.RulesAsync(text!, await cities.GetAsync(ct), ct);
        var draft = answer.Value;
        if (draft.Rules is null)
        {
            // What the validator refused is never answered as rules; it is the reason for the 422.
            return draft.Problems.Count > 0
                ? TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "The rules are not valid",
                    detail: string.Join("; ", draft.Problems.Select(e => $"{e.Field}: {e.Message}")) + Unused(draft))
                : TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "No rule in these words",
                    detail: "No condition on spend, visits, city or order dates was found;" + Unused(draft));
        }

        return TypedResults.Ok(new RulesFromWords(SegmentText.ToJson(draft.Rules), SegmentText.Describe(draft.Rules), draft.Unused,
            answer.Provider, answer.Model, answer.Fallback));
    }

    private static string Unused(AudienceDraft draft) => draft.Unused.Count == 0 ? "" : $" words not used: {string.Join(", ", draft.Unused)}.";

    private static async Task<Results<Ok<MessageSuggestionsAnswer>, ValidationProblem, ProblemHttpResult>> SuggestMessages(HttpContext context, CrmAssistant assistant, CancellationToken ct)
    {
        var (document, error) = await JsonBody.ReadAsync(context.Request, ct);
        using var _ = document;
        if (error is not null)
        {
            return error;
        }

        return await MessagesAsync(document!.RootElement, assistant, ct);
    }

    /// <summary>Three suggestions from the request's JSON, for the endpoint and the campaign composer.</summary>
    public static async Task<Results<Ok<MessageSuggestionsAnswer>, ValidationProblem, ProblemHttpResult>> MessagesAsync(JsonElement root, CrmAssistant assistant, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        var name = Text(root, "name", 200, required: true, errors);
        var objective = Text(root, "objective", 1_000, required: false, errors);
        var audience = Text(root, "audience", 1_000, required: false, errors);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var answer = await assistant.MessagesAsync(name!, objective, audience, ct);
        return TypedResults.Ok(new MessageSuggestionsAnswer(answer.Value, answer.Provider, answer.Model, answer.Fallback));
    }

    private static string? Text(JsonElement root, string field, int max, bool required, List<FieldError> errors)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new FieldError("body", "Must be a JSON object."));
            return null;
        }

        if (!root.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                errors.Add(new FieldError(field, "Required."));
            }

            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add(new FieldError(field, "Must be a string."));
            return null;
        }

        var text = StoredText.Read(value, out var problem)?.Trim();
        if (problem is not null)
        {
            errors.Add(new FieldError(field, problem));
            return null;
        }

        if (string.IsNullOrEmpty(text) || text.Length > max)
        {
            errors.Add(new FieldError(field, $"Must be 1 to {max} characters."));
            return null;
        }

        return text;
    }
}
