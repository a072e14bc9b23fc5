using MiniCrm.Core.Ai;
using MiniCrm.Core.Segments;
using MiniCrm.Core.Text;

namespace MiniCrm.Api.Application.Ai;

/// <summary>
/// The AI helpers, through <see cref="CrmAssistant"/>: rules from plain words, message templates from a campaign's
/// name. Every answer is validated as user input is before it is returned; the endpoints and the pages share it.
/// </summary>
public sealed class AiDrafts(CrmAssistant assistant, CityNames cities, Access access)
{
    /// <summary>Rules from the words of <paramref name="request"/>, for the endpoint and the audience builder.</summary>
    public async Task<Result<RulesFromWords>> RulesAsync(RulesRequest request, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        var text = TextField.Read(request.Text, "text", errors, required: true, 1_000);
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

    /// <summary>Three suggestions for <paramref name="request"/>, for the endpoint and the campaign composer.</summary>
    public async Task<Result<MessageSuggestionsAnswer>> MessagesAsync(MessagesRequest request, CancellationToken ct)
    {
        if (access.Refuse(Operations.SuggestMessages) is { } refused)
        {
            return refused;
        }

        var errors = new List<FieldError>();
        var name = TextField.Read(request.Name, "name", errors, required: true, 200);
        var objective = TextField.Read(request.Objective, "objective", errors, required: false, 1_000);
        var audience = TextField.Read(request.Audience, "audience", errors, required: false, 1_000);
        if (errors.Count > 0)
        {
            return CrmProblem.Invalid(errors);
        }

        var answer = await assistant.MessagesAsync(name!, objective, audience, ct);
        return new MessageSuggestionsAnswer(answer.Value, answer.Provider, answer.Model, answer.Fallback);
    }
}
