using System.Text.Json;
using MiniCrm.Core.Campaigns;
using MiniCrm.Core.Segments;
using MiniCrm.Core.Text;

namespace MiniCrm.Core.Journeys;

public enum JourneyTriggerKind { CustomerCreated, OrderPlaced, AudienceEntered, Inactive, AudienceNow }

public enum JourneyStepType { Wait, Send, Branch, Split, Exit }

/// <summary>What starts a journey, checked.</summary>
public sealed record JourneyTrigger(JourneyTriggerKind Kind, RuleGroup? Audience, bool FirstOrder, decimal? MinAmount, string? Status, int? Days)
{
    public string KindText => JourneyPlan.Upper(Kind);
}

/// <summary>
/// One step of a version, with where a customer goes after it: <see cref="Next"/> (null: the journey ends), or for a
/// branch <see cref="Yes"/>/<see cref="No"/>, for a split one first step per path. A branch's or a split's paths join again
/// at the step after it. Ids are paths ("3", "3.yes.1", "4.b.2"), stable within a version.
/// </summary>
public sealed class JourneyStep
{
    public required string Id { get; init; }
    public required JourneyStepType Type { get; init; }
    public string? Label { get; init; }
    public string? Next { get; set; }
    public int? WaitSeconds { get; init; }
    public TimeOnly? UntilTime { get; init; }
    public MessageTemplate? Template { get; init; }
    public bool SmartSending { get; init; }
    public RuleGroup? Rules { get; init; }
    public bool OrderedSinceEntry { get; init; }
    public string? Yes { get; set; }
    public string? No { get; set; }
    public List<(int Share, string? First)> Paths { get; } = [];

    /// <summary>The step in words, for the builder's list and the history.</summary>
    public string Describe() => Type switch
    {
        JourneyStepType.Wait when UntilTime is { } at => $"Wait until {at:HH\\:mm}",
        JourneyStepType.Wait => $"Wait {JourneyPlan.Duration(WaitSeconds ?? 0)}",
        JourneyStepType.Send => "Send a message",
        JourneyStepType.Branch when OrderedSinceEntry => "If they ordered since entering",
        JourneyStepType.Branch => $"If {SegmentText.Describe(Rules!)}",
        JourneyStepType.Split => $"Random split {string.Join(" / ", Paths.Select(p => p.Share + "%"))}",
        _ => "Exit",
    };
}

/// <summary>
/// A journey version, checked and compiled: its trigger, entry policy, goal, time zone, holdout and steps (depth first, in
/// the order the builder shows them). The one validator for journeys: the Api checks requests with it, the Workers read
/// stored versions with it.
/// </summary>
public sealed partial class JourneyPlan
{
    [System.Text.RegularExpressions.GeneratedRegex(@"^[A-Za-z][A-Za-z_]*(/[A-Za-z0-9_+\-]+){0,2}$")]
    private static partial System.Text.RegularExpressions.Regex ZoneName();

    public const int MaxSteps = 60;
    public const int MaxDepth = 4;
    public const int MaxWaitDays = 365;

    private readonly Dictionary<string, JourneyStep> _byId = new(StringComparer.Ordinal);

    private JourneyPlan(JourneyTrigger trigger) => Trigger = trigger;

    public JourneyTrigger Trigger { get; }
    public IReadOnlyList<JourneyStep> Steps => [.. _byId.Values];
    public string? First { get; private set; }
    public int? ReentryDays { get; private set; }
    public bool GoalOrderPlaced { get; private set; }
    public TimeZoneInfo TimeZone { get; private set; } = TimeZoneInfo.Utc;
    public int HoldoutPercent { get; private set; }

    public JourneyStep Step(string id) => _byId[id];

    public bool HasStep(string id) => _byId.ContainsKey(id);

    /// <summary>Where a customer entering now starts, and when that step runs (a wait's end, or now).</summary>
    public (string? Step, DateTimeOffset Due) Entry(DateTimeOffset now) => First is null ? (null, now) : (First, DueOnEntering(Step(First), now));

    /// <summary>When a step a customer arrives at now runs: a wait when it ends, anything else at once.</summary>
    public DateTimeOffset DueOnEntering(JourneyStep step, DateTimeOffset now)
    {
        if (step.Type != JourneyStepType.Wait)
        {
            return now;
        }

        if (step.WaitSeconds is { } seconds)
        {
            return now.AddSeconds(seconds);
        }

        // The next time the clock on the wall in the journey's time zone shows the time (today if it is still ahead).
        var local = TimeZoneInfo.ConvertTime(now, TimeZone);
        var at = local.Date.Add(step.UntilTime!.Value.ToTimeSpan());
        if (at <= local.DateTime)
        {
            at = at.AddDays(1);
        }

        while (TimeZone.IsInvalidTime(at))
        {
            at = at.AddMinutes(30); // a time the clocks skip (spring forward) is the first one after it
        }

        return new DateTimeOffset(at, TimeZone.GetUtcOffset(at)).ToUniversalTime();
    }

    /// <summary>The paths a split sends customers down, by a stable hash of the journey, the step and the customer.</summary>
    public static int SplitBucket(Guid journey, string step, Guid customer)
    {
        var hash = System.Security.Cryptography.MD5.HashData(System.Text.Encoding.UTF8.GetBytes($"{journey}/{step}/{customer}"));
        return (int)(BitConverter.ToUInt32(hash, 0) % 100);
    }

    public static string? PathOf(JourneyStep split, int bucket)
    {
        var upTo = 0;
        foreach (var (share, first) in split.Paths)
        {
            upTo += share;
            if (bucket < upTo)
            {
                return first;
            }
        }

        return split.Paths[^1].First;
    }

    /// <summary>
    /// Checks <paramref name="definition"/>: every problem is added to <paramref name="errors"/> with its path
    /// ("definition.steps[2].message"); null when there was one.
    /// </summary>
    public static JourneyPlan? Parse(JourneyDefinition? definition, List<FieldError> errors, string path = "definition")
    {
        var before = errors.Count;
        if (definition is null)
        {
            errors.Add(new FieldError(path, "Required: {trigger, steps}, for example a trigger {\"kind\": \"CUSTOMER_CREATED\"} and a step {\"type\": \"SEND\", \"message\": \"Welcome, {{first_name}}!\"}."));
            return null;
        }

        var trigger = ParseTrigger(definition.Trigger, $"{path}.trigger", errors);
        var plan = new JourneyPlan(trigger ?? new JourneyTrigger(JourneyTriggerKind.CustomerCreated, null, false, null, null, null));
        switch (definition.Entry?.Trim().ToUpperInvariant())
        {
            case null or "" or "ONCE":
                if (definition.ReentryDays is not null)
                {
                    errors.Add(new FieldError($"{path}.reentryDays", "Only with entry AGAIN_AFTER: a customer enters once ever otherwise."));
                }

                break;
            case "AGAIN_AFTER":
                if (definition.ReentryDays is not (>= 1 and <= 365))
                {
                    errors.Add(new FieldError($"{path}.reentryDays", "With entry AGAIN_AFTER: the days between two entries of one customer, 1 to 365."));
                }

                plan.ReentryDays = definition.ReentryDays;
                break;
            default:
                errors.Add(new FieldError($"{path}.entry", "ONCE (a customer enters at most once) or AGAIN_AFTER (again after reentryDays)."));
                break;
        }

        switch (definition.Goal?.Trim().ToUpperInvariant())
        {
            case null or "" or "NONE":
                break;
            case "ORDER_PLACED":
                plan.GoalOrderPlaced = true;
                break;
            default:
                errors.Add(new FieldError($"{path}.goal", "ORDER_PLACED, or leave it out for no goal."));
                break;
        }

        if (!string.IsNullOrWhiteSpace(definition.TimeZone))
        {
            // Only a name shaped like a zone's is looked up (the lookup reads a file of that name).
            if (definition.TimeZone.Length > 64 || !ZoneName().IsMatch(definition.TimeZone) || !TimeZoneInfo.TryFindSystemTimeZoneById(definition.TimeZone, out var zone))
            {
                errors.Add(new FieldError($"{path}.timeZone", "An IANA time zone such as Europe/Berlin or America/New_York."));
            }
            else
            {
                plan.TimeZone = zone;
            }
        }

        if (definition.HoldoutPercent is { } holdout)
        {
            if (holdout is < 0 or > 50)
            {
                errors.Add(new FieldError($"{path}.holdoutPercent", "0 to 50 (percent of entering customers held out)."));
            }

            plan.HoldoutPercent = Math.Clamp(holdout, 0, 50);
        }

        if (definition.Steps is not { Count: > 0 })
        {
            errors.Add(new FieldError($"{path}.steps", "Add at least one step, for example {\"type\": \"SEND\", \"message\": \"Welcome, {{first_name}}!\"}."));
        }
        else
        {
            plan.First = plan.AddSteps(definition.Steps, $"{path}.steps", "", next: null, depth: 1, errors);
            if (plan._byId.Count > MaxSteps)
            {
                errors.Add(new FieldError($"{path}.steps", $"A journey has at most {MaxSteps} steps; this one has {plan._byId.Count}."));
            }
            else if (!plan._byId.Values.Any(s => s.Type == JourneyStepType.Send))
            {
                errors.Add(new FieldError($"{path}.steps", "Add a SEND step: a journey that sends nothing does nothing for its customers."));
            }
        }

        return errors.Count == before ? plan : null;
    }

    /// <returns>The id of the list's first step, or <paramref name="next"/> for an empty list.</returns>
    private string? AddSteps(IReadOnlyList<JourneyStepNode?> nodes, string path, string idPrefix, string? next, int depth, List<FieldError> errors)
    {
        if (depth > MaxDepth)
        {
            errors.Add(new FieldError(path, $"Branches and splits nest at most {MaxDepth} deep."));
            return next;
        }

        if (_byId.Count + nodes.Count > MaxSteps * 2)
        {
            errors.Add(new FieldError(path, $"A journey has at most {MaxSteps} steps."));
            return next;
        }

        var ids = nodes.Select((_, i) => idPrefix + (i + 1)).ToList();
        for (var i = 0; i < nodes.Count; i++)
        {
            var after = i + 1 < nodes.Count ? ids[i + 1] : next;
            AddStep(nodes[i], $"{path}[{i}]", ids[i], after, depth, errors);
        }

        return nodes.Count > 0 ? ids[0] : next;
    }

    private void AddStep(JourneyStepNode? node, string path, string id, string? next, int depth, List<FieldError> errors)
    {
        if (node is null)
        {
            errors.Add(new FieldError(path, "A step is an object such as {\"type\": \"WAIT\", \"amount\": 1, \"unit\": \"DAYS\"}."));
            return;
        }

        var label = node.Label is null ? null : TextField.Read(node.Label, $"{path}.label", errors, required: false, 100);
        switch (node.Type?.Trim().ToUpperInvariant())
        {
            case "WAIT":
                _byId[id] = ParseWait(node, path, id, label, errors) ?? new JourneyStep { Id = id, Type = JourneyStepType.Wait, WaitSeconds = 0 };
                break;
            case "SEND":
                var template = MessageTemplate.Parse(node.Message, errors, $"{path}.message");
                _byId[id] = new JourneyStep { Id = id, Type = JourneyStepType.Send, Label = label, Template = template, SmartSending = node.SmartSending == true };
                break;
            case "BRANCH":
                RuleGroup? rules = null;
                var ordered = node.OrderedSinceEntry == true;
                if (ordered == (node.Rules is not null))
                {
                    errors.Add(new FieldError(path, "A branch asks one question: rules (a rule group) or orderedSinceEntry: true."));
                }
                else if (node.Rules is not null)
                {
                    rules = RuleGroupParser.Parse(node.Rules, errors, $"{path}.rules");
                }

                var branch = new JourneyStep { Id = id, Type = JourneyStepType.Branch, Label = label, Rules = rules, OrderedSinceEntry = ordered, Next = next };
                _byId[id] = branch;
                branch.Yes = AddSteps(node.Yes ?? [], $"{path}.yes", $"{id}.yes.", next, depth + 1, errors);
                branch.No = AddSteps(node.No ?? [], $"{path}.no", $"{id}.no.", next, depth + 1, errors);
                return;
            case "SPLIT":
                var split = new JourneyStep { Id = id, Type = JourneyStepType.Split, Label = label, Next = next };
                _byId[id] = split;
                if (node.Paths is not { Count: >= 2 and <= 5 })
                {
                    errors.Add(new FieldError($"{path}.paths", "A split has 2 to 5 paths, each {\"share\": 50, \"steps\": [...]}."));
                    return;
                }

                for (var p = 0; p < node.Paths.Count; p++)
                {
                    var share = node.Paths[p]?.Share;
                    if (share is not (>= 1 and <= 99))
                    {
                        errors.Add(new FieldError($"{path}.paths[{p}].share", "A path's share is 1 to 99 percent."));
                    }

                    var first = AddSteps(node.Paths[p]?.Steps ?? [], $"{path}.paths[{p}].steps", $"{id}.{(char)('a' + p)}.", next, depth + 1, errors);
                    split.Paths.Add((share ?? 0, first));
                }

                if (split.Paths.Sum(p => p.Share) != 100)
                {
                    errors.Add(new FieldError($"{path}.paths", $"The shares add up to {split.Paths.Sum(p => p.Share)}%; they must add up to 100%."));
                }

                return;
            case "EXIT":
                _byId[id] = new JourneyStep { Id = id, Type = JourneyStepType.Exit, Label = label };
                return;
            default:
                errors.Add(new FieldError($"{path}.type", "WAIT, SEND, BRANCH, SPLIT or EXIT."));
                return;
        }

        _byId[id].Next = next;
    }

    private static JourneyStep? ParseWait(JourneyStepNode node, string path, string id, string? label, List<FieldError> errors)
    {
        if (!string.IsNullOrWhiteSpace(node.UntilTime))
        {
            if (node.Amount is not null || node.Unit is not null)
            {
                errors.Add(new FieldError(path, "A wait is a duration (amount and unit) or a time of day (untilTime), not both."));
            }

            // A browser's time input may add seconds (10:30:00); a wait ends on the minute.
            if (!TimeOnly.TryParseExact(node.UntilTime.Trim(), ["HH:mm", "HH:mm:ss"], System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var at))
            {
                errors.Add(new FieldError($"{path}.untilTime", "A time of day as HH:mm, for example 09:00."));
                return null;
            }

            return new JourneyStep { Id = id, Type = JourneyStepType.Wait, Label = label, UntilTime = new TimeOnly(at.Hour, at.Minute) };
        }

        var unit = node.Unit?.Trim().ToUpperInvariant() switch
        {
            "SECONDS" => 1,
            "MINUTES" => 60,
            "HOURS" => 3600,
            "DAYS" => 86_400,
            _ => 0,
        };
        if (unit == 0)
        {
            errors.Add(new FieldError($"{path}.unit", "SECONDS, MINUTES, HOURS or DAYS; or give untilTime (HH:mm) instead."));
            return null;
        }

        if (node.Amount is not { } amount || amount < 1 || (long)amount * unit > MaxWaitDays * 86_400L)
        {
            errors.Add(new FieldError($"{path}.amount", $"How many {node.Unit!.Trim().ToLowerInvariant()}: a whole number from 1 (a wait is at most {MaxWaitDays} days)."));
            return null;
        }

        return new JourneyStep { Id = id, Type = JourneyStepType.Wait, Label = label, WaitSeconds = amount * unit };
    }

    private static JourneyTrigger? ParseTrigger(JourneyTriggerNode? node, string path, List<FieldError> errors)
    {
        if (node is null)
        {
            errors.Add(new FieldError(path, "Required: what starts the journey, {\"kind\": \"CUSTOMER_CREATED\"} for example."));
            return null;
        }

        JourneyTriggerKind? kind = node.Kind?.Trim().ToUpperInvariant() switch
        {
            "CUSTOMER_CREATED" => JourneyTriggerKind.CustomerCreated,
            "ORDER_PLACED" => JourneyTriggerKind.OrderPlaced,
            "AUDIENCE_ENTERED" => JourneyTriggerKind.AudienceEntered,
            "INACTIVE" => JourneyTriggerKind.Inactive,
            "AUDIENCE_NOW" => JourneyTriggerKind.AudienceNow,
            _ => null,
        };
        if (kind is null)
        {
            errors.Add(new FieldError($"{path}.kind", "CUSTOMER_CREATED, ORDER_PLACED, AUDIENCE_ENTERED, INACTIVE or AUDIENCE_NOW."));
            return null;
        }

        var before = errors.Count;
        RuleGroup? audience = null;
        if (kind is JourneyTriggerKind.AudienceEntered or JourneyTriggerKind.AudienceNow)
        {
            if (node.Rules is null)
            {
                errors.Add(new FieldError($"{path}.segmentId", "Choose the audience: a saved audience's id, or rules."));
            }
            else
            {
                audience = RuleGroupParser.Parse(node.Rules, errors, $"{path}.rules");
            }
        }
        else if (node.Rules is not null || node.SegmentId is not null)
        {
            errors.Add(new FieldError($"{path}.rules", "Only an AUDIENCE_ENTERED or AUDIENCE_NOW trigger takes an audience."));
        }

        if (kind != JourneyTriggerKind.OrderPlaced && (node.FirstOrder is not null || node.MinAmount is not null || node.Status is not null))
        {
            errors.Add(new FieldError(path, "firstOrder, minAmount and status belong to an ORDER_PLACED trigger."));
        }

        if (node.MinAmount is < 0 or > 100_000_000)
        {
            errors.Add(new FieldError($"{path}.minAmount", "An amount from 0 to 100,000,000."));
        }

        string? status = null;
        if (node.Status is not null)
        {
            status = node.Status.Trim().ToUpperInvariant();
            if (!Enum.TryParse<Domain.OrderStatus>(status, ignoreCase: true, out _) || status.Any(char.IsDigit))
            {
                errors.Add(new FieldError($"{path}.status", $"One of {string.Join(", ", Enum.GetNames<Domain.OrderStatus>().Select(n => n.ToUpperInvariant()))}."));
            }
        }

        if (kind == JourneyTriggerKind.Inactive)
        {
            if (node.Days is not (>= 1 and <= 3650))
            {
                errors.Add(new FieldError($"{path}.days", "Days since the customer's last completed order, 1 to 3650."));
            }
        }
        else if (node.Days is not null)
        {
            errors.Add(new FieldError($"{path}.days", "Only an INACTIVE trigger takes days."));
        }

        return errors.Count == before ? new JourneyTrigger(kind.Value, audience, node.FirstOrder == true, node.MinAmount, status, node.Days) : null;
    }

    /// <summary>The definition as stored with a version (camelCase JSON).</summary>
    public static string ToJson(JourneyDefinition definition) => JsonSerializer.Serialize(definition, Json);

    public static JourneyDefinition? FromJson(string json) => JsonSerializer.Deserialize<JourneyDefinition>(json, Json);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>A duration in words: "1 second", "3 days", "90 minutes".</summary>
    public static string Duration(int seconds) => seconds switch
    {
        _ when seconds % 86_400 == 0 => Plural(seconds / 86_400, "day"),
        _ when seconds % 3600 == 0 => Plural(seconds / 3600, "hour"),
        _ when seconds % 60 == 0 => Plural(seconds / 60, "minute"),
        _ => Plural(seconds, "second"),
    };

    private static string Plural(int n, string unit) => n == 1 ? $"1 {unit}" : $"{n:N0} {unit}s";

    /// <summary>An enum's name as the API writes it: CustomerCreated → CUSTOMER_CREATED.</summary>
    public static string Upper<T>(T value) where T : struct, Enum =>
        string.Concat(value.ToString().Select((ch, i) => i > 0 && char.IsUpper(ch) ? "_" + ch : ch.ToString())).ToUpperInvariant();
}
