using System.Text.Json;
using MiniCrm.Core.Ai;
using MiniCrm.Core.Segments;
using MiniCrm.Core.Text;

namespace MiniCrm.Api.Application.Ai;

/// <summary>
/// The AI helpers, through <see cref="CrmAssistant"/>: rules from plain words, message templates from a campaign's
/// name. Every answer is validated as user input is before it is returned; the endpoints and the pages share it.
/// </summary>
public sealed class AiDrafts(CrmAssistant assistant, CityNames cities)
{
    /// <summary>Rules from the words in the request's JSON, for the endpoint and the audience builder.</summary>
    public async Task<Result<RulesFromWords>> RulesAsync(JsonElement root, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        var text = Text(root, "text", 1_000, required: true, errors);
        if (errors.Count > 0)
        {
            return CrmProblem.Invalid(errors);
        }

        var answer = await assistant.RulesAsync(text!, await cities.GetAsync(ct), ct);
        var draft = answer.Value;
        if (draft.Rules is null)
        {
            // What the validator refused is never answered as rules; it is the reason for the 422.
            return draft.Problems.Count > 0
                ? CrmProblem.Unprocessable("The rules are not valid", string.Join("; ", draft.Problems.Select(e => $"{e.Field}: {e.Message}")) + Unused(draft))
                : CrmProblem.Unprocessable("No rule in these words", "No condition on spend, visits, city or order dates was found;" + Unused(draft));
        }

        return new RulesFromWords(SegmentText.ToJson(draft.Rules), SegmentText.Describe(draft.Rules), draft.Unused,
            answer.Provider, answer.Model, answer.Fallback);
    }

    private static string Unused(AudienceDraft draft) => draft.Unused.Count == 0 ? "" : $" words not used: {string.Join(", ", draft.Unused)}.";

    /// <summary>Three suggestions from the request's JSON, for the endpoint and the campaign composer.</summary>
    public async Task<Result<MessageSuggestionsAnswer>> MessagesAsync(JsonElement root, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        var name = Text(root, "name", 200, required: true, errors);
        var objective = Text(root, "objective", 1_000, required: false, errors);
        var audience = Text(root, "audience", 1_000, required: false, errors);
        if (errors.Count > 0)
        {
            return CrmProblem.Invalid(errors);
        }

        var answer = await assistant.MessagesAsync(name!, objective, audience, ct);
        return new MessageSuggestionsAnswer(answer.Value, answer.Provider, answer.Model, answer.Fallback);
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
