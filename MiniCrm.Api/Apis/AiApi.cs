using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using MiniCrm.Api.Auth;
using MiniCrm.Api.Http;
using MiniCrm.Core.Ai;
using MiniCrm.Core.Segments;
using MiniCrm.Core.Text;

namespace MiniCrm.Api.Apis;

public sealed record RulesFromWords(JsonNode Rules, string Description, IReadOnlyList<string> Unused, string Provider);

public sealed record MessageSuggestionsAnswer(IReadOnlyList<string> Suggestions, string Provider);

public sealed record RulesRequest(string Text);

public sealed record MessagesRequest(string Name, string? Objective);

/// <summary>
/// The AI helpers. Answers say which provider wrote them; every answer is validated as user input is
/// (rules through the segment validator, messages through the template parser) before it is returned.
/// With no model configured the offline provider answers: deterministic and built from the words given.
/// </summary>
public static class AiApi
{
    public const string Offline = "offline";

    public static IEndpointRouteBuilder MapAiApi(this IEndpointRouteBuilder app)
    {
        var ai = app.MapGroup("/api/ai").WithTags("AI")
            .RequireAuthorization(CrmAuthentication.MarketerPolicy)
            .RequireRateLimiting(AbuseLimits.Ai)
            .WithBodyLimit(16 * 1024)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        ai.MapPost("/rules", RulesAsync).WithSummary("A rule group from plain words: {text}; says which words it could not use")
            .Accepts<RulesRequest>("application/json").ProducesValidationProblem().ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        ai.MapPost("/messages", MessagesAsync).WithSummary("Three message templates from a campaign's name and objective: {name, objective?}")
            .Accepts<MessagesRequest>("application/json").ProducesValidationProblem();
        return app;
    }

    private static async Task<Results<Ok<RulesFromWords>, ValidationProblem, ProblemHttpResult>> RulesAsync(HttpContext context, CancellationToken ct)
    {
        var (document, error) = await JsonBody.ReadAsync(context.Request, ct);
        using var _ = document;
        if (error is not null)
        {
            return error;
        }

        var errors = new List<FieldError>();
        var text = Text(document!.RootElement, "text", 1_000, required: true, errors);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var parsed = AudienceWords.Parse(text!);
        if (!parsed.Understood)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "No rule in these words",
                detail: $"No condition on spend, visits, city or order dates was found; words not used: {string.Join(", ", parsed.Unused)}.");
        }

        // The same validator as a rule group a marketer builds: what it refuses is never answered.
        var json = SegmentText.ToJson(parsed.Rules);
        using var check = JsonDocument.Parse(json.ToJsonString());
        var group = RuleGroupParser.Parse(check.RootElement, errors);
        if (group is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "The rules are not valid",
                detail: string.Join("; ", errors.Select(e => $"{e.Field}: {e.Message}")));
        }

        return TypedResults.Ok(new RulesFromWords(json, SegmentText.Describe(group), parsed.Unused, Offline));
    }

    private static async Task<Results<Ok<MessageSuggestionsAnswer>, ValidationProblem, ProblemHttpResult>> MessagesAsync(HttpContext context, CancellationToken ct)
    {
        var (document, error) = await JsonBody.ReadAsync(context.Request, ct);
        using var _ = document;
        if (error is not null)
        {
            return error;
        }

        var errors = new List<FieldError>();
        var name = Text(document!.RootElement, "name", 200, required: true, errors);
        var objective = Text(document.RootElement, "objective", 1_000, required: false, errors);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var suggestions = MessageSuggestions.Suggest(name!, objective).Select(MessageSuggestions.Keep).OfType<string>().ToList();
        return TypedResults.Ok(new MessageSuggestionsAnswer(suggestions, Offline));
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
