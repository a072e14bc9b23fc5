using System.Text.Json;
using MiniCrm.Core.Journeys;
using MiniCrm.Core.Segments;

namespace MiniCrm.Api.Web.Support;

/// <summary>A journey as the builder edits it: the trigger's fields, the entry policy, the goal and the steps.</summary>
public sealed class JourneyDraft
{
    public string Trigger { get; set; } = "CUSTOMER_CREATED";
    public Guid? SegmentId { get; set; }
    public GroupDraft Audience { get; set; } = new();
    public bool FirstOrder { get; set; }
    public string MinAmount { get; set; } = "";
    public string OrderStatus { get; set; } = "";
    public int InactiveDays { get; set; } = 60;
    public bool AgainAfter { get; set; }
    public int ReentryDays { get; set; } = 30;
    public bool GoalOrderPlaced { get; set; }
    public string TimeZone { get; set; } = "UTC";
    public int HoldoutPercent { get; set; }
    public List<StepDraft> Steps { get; } = [];

    public bool TakesAudience => Trigger is "AUDIENCE_ENTERED" or "AUDIENCE_NOW";

    /// <summary>A new journey: a welcome that waits a minute and says hello.</summary>
    public static JourneyDraft Welcome(string timeZone = "UTC") => new()
    {
        TimeZone = timeZone,
        Steps = { new StepDraft { Type = "WAIT", Amount = 1, Unit = "MINUTES" }, new StepDraft { Type = "SEND", Message = SuggestedMessage("CUSTOMER_CREATED") } },
    };

    /// <summary>
    /// A whole number as typed, or <paramref name="refused"/> (a value the validator refuses, so saving says what is
    /// wrong at the field) when it is not one: "1.5" days is not quietly kept as the 2 typed before it.
    /// </summary>
    public static int Whole(string typed, int refused = 0) =>
        int.TryParse(typed, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : refused;

    /// <summary>The message a new journey suggests for what starts it.</summary>
    public static string SuggestedMessage(string trigger) => trigger switch
    {
        "ORDER_PLACED" => "Thank you for your order, {{first_name}}! Unsubscribe: {{unsubscribe_url}}",
        "INACTIVE" => "We miss you, {{first_name}}! Come and see what is new. Unsubscribe: {{unsubscribe_url}}",
        "AUDIENCE_ENTERED" or "AUDIENCE_NOW" => "Hi {{first_name}}, we picked something for you. Unsubscribe: {{unsubscribe_url}}",
        _ => "Welcome, {{first_name}}! Reply STOP or unsubscribe: {{unsubscribe_url}}",
    };

    /// <summary>
    /// A new start: a message still as suggested for the old one (untouched by the marketer) becomes the new one's
    /// suggestion, so a thank-you journey does not open with "Welcome"; a message of the marketer's own stays.
    /// </summary>
    public void ChangeTrigger(string trigger)
    {
        var suggested = SuggestedMessage(Trigger);
        foreach (var step in Steps.Where(s => s.Type == "SEND" && s.Message == suggested))
        {
            step.Message = SuggestedMessage(trigger);
        }

        Trigger = trigger;
    }

    public JourneyDefinition ToDefinition() => new(
        new JourneyTriggerNode(Trigger,
            TakesAudience && SegmentId is { } id ? id : null,
            TakesAudience && SegmentId is null ? Audience.ToNode() : null,
            Trigger == "ORDER_PLACED" && FirstOrder ? true : null,
            Trigger == "ORDER_PLACED" && decimal.TryParse(MinAmount, System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture, out var min) ? min : null,
            Trigger == "ORDER_PLACED" && OrderStatus.Length > 0 ? OrderStatus : null,
            Trigger == "INACTIVE" ? InactiveDays : null),
        [.. Steps.Select(s => (JourneyStepNode?)s.ToNode())],
        AgainAfter ? "AGAIN_AFTER" : "ONCE",
        AgainAfter ? ReentryDays : null,
        GoalOrderPlaced ? "ORDER_PLACED" : null,
        TimeZone is "" or "UTC" ? null : TimeZone,
        HoldoutPercent != 0 ? HoldoutPercent : null);

    public static JourneyDraft From(JourneyDefinition definition)
    {
        var trigger = definition.Trigger ?? new JourneyTriggerNode("CUSTOMER_CREATED");
        var draft = new JourneyDraft
        {
            Trigger = trigger.Kind ?? "CUSTOMER_CREATED",
            // The saved audience it was built on (its rules as they were are in the version; saving again takes them as they are then).
            SegmentId = trigger.SegmentId,
            Audience = trigger.Rules is { } rules ? GroupDraft.From(JsonSerializer.SerializeToNode(rules, SegmentJson.Default.RuleNode)) : new GroupDraft(),
            FirstOrder = trigger.FirstOrder == true,
            MinAmount = trigger.MinAmount?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "",
            OrderStatus = trigger.Status ?? "",
            InactiveDays = trigger.Days ?? 60,
            AgainAfter = definition.Entry == "AGAIN_AFTER",
            ReentryDays = definition.ReentryDays ?? 30,
            GoalOrderPlaced = definition.Goal == "ORDER_PLACED",
            TimeZone = definition.TimeZone ?? "UTC",
            HoldoutPercent = definition.HoldoutPercent ?? 0,
        };
        draft.Steps.AddRange(StepDraft.FromNodes(definition.Steps));
        return draft;
    }
}

/// <summary>One step in the builder; a branch's and a split's paths hold steps of their own.</summary>
public sealed class StepDraft
{
    public string Type { get; set; } = "SEND";
    public int Amount { get; set; } = 1;
    public string Unit { get; set; } = "DAYS";
    public bool UntilTimeOfDay { get; set; }
    public string UntilTime { get; set; } = "09:00";
    public string Message { get; set; } = "";
    public bool SmartSending { get; set; }
    public string Label { get; set; } = "";
    public bool OrderedSinceEntry { get; set; } = true;
    public GroupDraft Rules { get; set; } = GroupDraft.WithOneRule();
    public List<StepDraft> Yes { get; } = [];
    public List<StepDraft> No { get; } = [];
    public List<PathDraft> Paths { get; } = [];

    public static StepDraft New(string type) => type switch
    {
        "WAIT" => new StepDraft { Type = "WAIT", Amount = 1, Unit = "DAYS" },
        "BRANCH" => new StepDraft { Type = "BRANCH" },
        "SPLIT" => new StepDraft { Type = "SPLIT", Paths = { new PathDraft { Share = 50 }, new PathDraft { Share = 50 } } },
        "EXIT" => new StepDraft { Type = "EXIT" },
        _ => new StepDraft { Type = "SEND", Message = "Hi {{first_name}}, " },
    };

    public JourneyStepNode ToNode() => Type switch
    {
        "WAIT" when UntilTimeOfDay => new JourneyStepNode("WAIT", UntilTime: UntilTime, Label: LabelOrNull),
        "WAIT" => new JourneyStepNode("WAIT", Amount, Unit, Label: LabelOrNull),
        "SEND" => new JourneyStepNode("SEND", Message: Message, SmartSending: SmartSending ? true : null, Label: LabelOrNull),
        "BRANCH" => new JourneyStepNode("BRANCH", Rules: OrderedSinceEntry ? null : Rules.ToNode(), OrderedSinceEntry: OrderedSinceEntry ? true : null,
            Yes: [.. Yes.Select(s => (JourneyStepNode?)s.ToNode())], No: [.. No.Select(s => (JourneyStepNode?)s.ToNode())], Label: LabelOrNull),
        "SPLIT" => new JourneyStepNode("SPLIT", Paths: [.. Paths.Select(p => (JourneySplitPathNode?)new JourneySplitPathNode(p.Share, [.. p.Steps.Select(s => (JourneyStepNode?)s.ToNode())]))], Label: LabelOrNull),
        _ => new JourneyStepNode("EXIT", Label: LabelOrNull),
    };

    private string? LabelOrNull => string.IsNullOrWhiteSpace(Label) ? null : Label;

    public static IEnumerable<StepDraft> FromNodes(IReadOnlyList<JourneyStepNode?>? nodes) => (nodes ?? []).OfType<JourneyStepNode>().Select(From);

    private static StepDraft From(JourneyStepNode node)
    {
        var step = new StepDraft
        {
            Type = node.Type?.ToUpperInvariant() ?? "SEND",
            Amount = node.Amount ?? 1,
            Unit = node.Unit?.ToUpperInvariant() ?? "DAYS",
            UntilTimeOfDay = node.UntilTime is not null,
            UntilTime = node.UntilTime ?? "09:00",
            Message = node.Message ?? "",
            SmartSending = node.SmartSending == true,
            Label = node.Label ?? "",
            OrderedSinceEntry = node.Rules is null,
            Rules = node.Rules is { } rules ? GroupDraft.From(JsonSerializer.SerializeToNode(rules, SegmentJson.Default.RuleNode)) : GroupDraft.WithOneRule(),
        };
        step.Yes.AddRange(FromNodes(node.Yes));
        step.No.AddRange(FromNodes(node.No));
        step.Paths.AddRange((node.Paths ?? []).OfType<JourneySplitPathNode>().Select(p => new PathDraft { Share = p.Share ?? 50, Steps = { } }.With(FromNodes(p.Steps))));
        return step;
    }
}

public sealed class PathDraft
{
    public int Share { get; set; } = 50;
    public List<StepDraft> Steps { get; } = [];

    public PathDraft With(IEnumerable<StepDraft> steps)
    {
        Steps.AddRange(steps);
        return this;
    }
}
