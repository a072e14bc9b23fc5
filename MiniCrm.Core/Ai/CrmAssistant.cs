using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MiniCrm.Core.Segments;
using MiniCrm.Core.Telemetry;

namespace MiniCrm.Core.Ai;

/// <summary>An AI text and who wrote it: the provider, its model, and why the offline provider answered instead, if it did.</summary>
public sealed record AiAnswer<T>(T Value, string Provider, string? Model, string? Fallback);

/// <summary>One message suggestion and the provider that wrote it.</summary>
public sealed record Suggestion(string Text, string Provider);

/// <summary>Rules drafted from words (null when none could be drafted), the words not used, and what the validator refused.</summary>
public sealed record AudienceDraft(RuleGroup? Rules, IReadOnlyList<string> Unused, IReadOnlyList<FieldError> Problems);

/// <summary>
/// The CRM's AI: the campaign intent, the campaign summary, message suggestions and rules from words.
/// Each job asks the configured model (<see cref="ModelClient"/>) when there is one, checks its answer
/// as user input is checked, and otherwise, or when the model is slow, fails or breaks a rule, gives
/// the offline provider's answer, saying why. Every call is a span with the provider, the model, the
/// outcome and the tokens used.
/// </summary>
public sealed partial class CrmAssistant : IDisposable
{
    private static readonly Histogram<double> Duration = CrmTelemetry.Meter.CreateHistogram<double>("minicrm.ai.duration", "s", "How long an AI job took, by job, provider and outcome.");
    private static readonly Counter<long> Tokens = CrmTelemetry.Meter.CreateCounter<long>("minicrm.ai.tokens", "{token}", "Tokens a model reported, by job and direction.");

    private readonly ModelClient? _model;
    private readonly ILogger _logger;

    public CrmAssistant(IOptions<AiOptions> options, ILoggerFactory loggers)
    {
        _logger = loggers.CreateLogger<CrmAssistant>();
        _model = options.Value.UsesModel ? new ModelClient(options.Value, loggers) : null;
    }

    public string Provider => _model?.Provider ?? AiProviders.Offline;

    /// <summary>A one-line description of an audience, for a campaign at launch.</summary>
    public Task<AiAnswer<string>> IntentAsync(RuleGroup rules, CancellationToken ct) =>
        RunAsync<IntentAnswer, string>(AiPrompts.Intent, new { rules = SegmentText.ToJson(rules) },
            answer => OneLine(answer.Intent, 200) is { } line ? (line, null) : (null, "an intent is one line of 3 to 200 characters"),
            () => SegmentText.Describe(rules), ct);

    /// <summary>
    /// Two or three sentences on a finished campaign (and what it earned, once its results are final); a model's must state
    /// only the campaign's own numbers.
    /// </summary>
    public Task<AiAnswer<string>> SummaryAsync(CampaignFacts facts, CancellationToken ct) =>
        RunAsync<SummaryAnswer, string>(AiPrompts.Summary,
            new
            {
                name = facts.Name,
                audienceSize = facts.AudienceSize,
                delivered = facts.Delivered,
                failed = facts.Failed,
                cancelledUnsent = facts.Cancelled,
                successRatePercent = facts.SuccessRate,
                failureReasons = facts.Failures.Select(f => new { reason = f.Reason, deliveries = f.Count }),
                outcome = facts.Outcome is { } o
                    ? new
                    {
                        attributionDays = o.AttributionDays, messagedCustomers = o.Messaged, messagedWhoOrdered = o.Conversions, messagedRatePercent = o.Rate,
                        messagedRevenue = o.Revenue, heldOutCustomers = o.HeldOut, heldOutWhoOrdered = o.HeldOutConversions, heldOutRatePercent = o.HeldOutRate,
                        heldOutRevenue = o.HeldOutRevenue, liftPoints = o.LiftPoints, liftLowPoints = o.Interval?.Low, liftHighPoints = o.Interval?.High,
                        incrementalRevenue = o.IncrementalRevenue, verdict = o.Render(),
                    }
                    : null,
            },
            answer => OneLine(answer.Summary, CampaignFacts.MaxSummaryLength) is { } text
                ? facts.Problem(text) is { } problem ? (null, problem) : (text, null)
                : (null, "the summary was empty"),
            facts.Render, ct);

    /// <summary>
    /// Exactly <see cref="MessageSuggestions.Count"/> templates. A model's suggestion with an unknown placeholder is
    /// repaired or dropped (<see cref="MessageSuggestions.Keep"/>); the offline library fills the places of dropped ones.
    /// </summary>
    public Task<AiAnswer<IReadOnlyList<Suggestion>>> MessagesAsync(string name, string? objective, string? audience, CancellationToken ct)
    {
        IReadOnlyList<Suggestion> Offline() =>
            [.. MessageSuggestions.Suggest(name, objective).Select(MessageSuggestions.Keep).OfType<string>().Select(s => new Suggestion(s, AiProviders.Offline))];

        return RunAsync<MessagesAnswer, IReadOnlyList<Suggestion>>(AiPrompts.Messages, new { name, objective = objective ?? "", audience = audience ?? "" },
            answer =>
            {
                var kept = answer.Suggestions.Select(MessageSuggestions.Keep).OfType<string>().Distinct().Take(MessageSuggestions.Count)
                    .Select(s => new Suggestion(s, Provider)).ToList();
                if (kept.Count == 0)
                {
                    return (null, "no suggestion used only the allowed placeholders");
                }

                kept.AddRange(Offline().Where(o => kept.All(k => k.Text != o.Text)).Take(MessageSuggestions.Count - kept.Count));
                return (kept, null);
            },
            Offline, ct);
    }

    /// <summary>
    /// A rule group from plain words, through the same validator as a group a marketer builds. A model's
    /// group that the validator refuses is never used: the offline reader's is, and if it finds no
    /// condition either, the answer carries the validator's problems.
    /// </summary>
    /// <param name="text">The description.</param>
    /// <param name="knownCities">The customers' cities (lower case), so the offline reader takes "mumbai customers" for a city and nothing else for one.</param>
    /// <param name="ct">Cancels the model's answer.</param>
    public async Task<AiAnswer<AudienceDraft>> RulesAsync(string text, IReadOnlySet<string>? knownCities, CancellationToken ct)
    {
        IReadOnlyList<FieldError> refused = [];
        var answer = await RunAsync<RulesAnswer, AudienceDraft>(AiPrompts.Rules, new { description = text },
            draft =>
            {
                var errors = new List<FieldError>();
                var rules = Validate(ToJson(draft), errors);
                if (rules is null)
                {
                    refused = errors;
                    return (null, "the rules broke the validator: " + string.Join("; ", errors.Select(e => $"{e.Field}: {e.Message}")));
                }

                return rules.Rules.Count == 0
                    ? (null, "the model found no condition")
                    : (new AudienceDraft(rules, WordsOf(text, draft.UnusedWords), []), null);
            },
            () =>
            {
                var parsed = AudienceWords.Parse(text, knownCities);
                var errors = new List<FieldError>();
                var rules = parsed.Understood ? Validate(SegmentText.ToJson(parsed.Rules), errors) : null;
                return new AudienceDraft(rules, parsed.Unused, errors);
            }, ct);

        return answer.Value.Rules is null && refused.Count > 0 ? answer with { Value = answer.Value with { Problems = refused } } : answer;
    }

    private async Task<AiAnswer<T>> RunAsync<TModel, T>(
        string job, object input, Func<TModel, (T? Value, string? Problem)> accept, Func<T> offline, CancellationToken ct)
        where TModel : class
    {
        using var activity = CrmTelemetry.Source.StartActivity($"ai {job}");
        activity?.SetTag("minicrm.ai.job", job);
        activity?.SetTag("gen_ai.system", Provider);
        var started = Stopwatch.GetTimestamp();
        string? fallback = null;
        if (_model is { } model)
        {
            activity?.SetTag("gen_ai.request.model", model.Model);
            var reply = await model.AskAsync<TModel>(job, input, ct);
            Count(activity, job, "input", reply.InputTokens);
            Count(activity, job, "output", reply.OutputTokens);
            if (reply.Answer is { } draft && accept(draft) is var (value, problem))
            {
                if (problem is null && value is not null)
                {
                    return Done(new AiAnswer<T>(value, model.Provider, model.Model, null), "model");
                }

                fallback = $"the answer was refused: {problem}";
            }
            else
            {
                fallback = reply.Failure;
            }

            LogFallback(job, model.Provider, model.Model, fallback!);
        }

        return Done(new AiAnswer<T>(offline(), AiProviders.Offline, null,
            fallback is null ? null : $"{_model!.Provider} ({_model.Model}): {fallback}; the offline provider answered."), fallback is null ? "offline" : "fallback");

        AiAnswer<T> Done(AiAnswer<T> answer, string outcome)
        {
            activity?.SetTag("minicrm.ai.outcome", outcome);
            activity?.SetTag("minicrm.ai.answered_by", answer.Provider);
            if (answer.Fallback is not null)
            {
                activity?.SetTag("minicrm.ai.fallback", answer.Fallback);
                activity?.SetStatus(ActivityStatusCode.Error, answer.Fallback);
            }

            Duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds,
                new("minicrm.ai.job", job), new("gen_ai.system", Provider), new("minicrm.ai.outcome", outcome));
            return answer;
        }
    }

    private static void Count(Activity? activity, string job, string direction, int? tokens)
    {
        if (tokens is { } n)
        {
            activity?.SetTag($"gen_ai.usage.{direction}_tokens", n);
            Tokens.Add(n, new("minicrm.ai.job", job), new("gen_ai.token.type", direction));
        }
    }

    /// <summary>The model's flat answer as the rule-group JSON every segment is written in; numbers as numbers.</summary>
    private static JsonObject ToJson(RulesAnswer draft)
    {
        static JsonObject Rule(RuleAnswer r) => new()
        {
            ["attribute"] = r.Attribute,
            ["operator"] = r.Operator,
            ["value"] = r.Attribute != "city" && decimal.TryParse(r.Value.Replace(",", ""), System.Globalization.NumberStyles.Number,
                System.Globalization.CultureInfo.InvariantCulture, out var n) ? JsonValue.Create(n) : JsonValue.Create(r.Value),
        };

        return new JsonObject
        {
            ["combinator"] = draft.Combinator,
            ["rules"] = new JsonArray([
                .. draft.Rules.Select(r => (JsonNode)Rule(r)),
                .. draft.Groups.Select(g => (JsonNode)new JsonObject
                {
                    ["combinator"] = g.Combinator,
                    ["rules"] = new JsonArray([.. g.Rules.Select(r => (JsonNode)Rule(r))]),
                }),
            ]),
        };
    }

    private static RuleGroup? Validate(JsonObject json, List<FieldError> errors)
    {
        using var document = JsonDocument.Parse(json.ToJsonString());
        return RuleGroupParser.Parse(document.RootElement, errors);
    }

    /// <summary>The unused words a model reports, kept only if the description has them: a model does not get to invent words.</summary>
    private static IReadOnlyList<string> WordsOf(string text, IEnumerable<string> words)
    {
        var present = text.ToLowerInvariant();
        return [.. words.Select(w => w.Trim()).Where(w => w.Length > 0 && present.Contains(w.ToLowerInvariant(), StringComparison.Ordinal)).Distinct().Take(50)];
    }

    /// <summary>The text on one line with single spaces, or null if it is not 3 to <paramref name="max"/> characters or has a placeholder.</summary>
    private static string? OneLine(string? text, int max)
    {
        var line = string.Join(' ', (text ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return line.Length >= 3 && line.Length <= max && !line.Contains("{{", StringComparison.Ordinal) && !line.Any(char.IsControl) ? line : null;
    }

    public void Dispose() => _model?.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "AI {Job}: {Provider} ({Model}) gave no usable answer ({Reason}); the offline provider answered.")]
    private partial void LogFallback(string job, string provider, string model, string reason);
}
