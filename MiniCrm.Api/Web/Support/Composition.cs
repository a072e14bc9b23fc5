using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MiniCrm.Core.Segments;

namespace MiniCrm.Api.Web.Support;

/// <summary>
/// A campaign as the composer holds it while the marketer writes it: kept as a draft (<see cref="ToDraft"/>,
/// <see cref="FromDraft"/>), checked for what is missing in the marketer's words (<see cref="Missing"/>), and turned
/// into the launch request a curl user would send (<see cref="ToLaunch"/>), which the Api checks like any other.
/// </summary>
public sealed class Composition
{
    public const string DefaultMessage = "Hi {{first_name}}, ";

    public string Name { get; set; } = "";

    public AudienceSource Audience { get; set; }

    public string SegmentId { get; set; } = "";

    /// <summary>Rules built here start with one rule to fill in: an empty group would silently mean everyone.</summary>
    public GroupDraft Rules { get; set; } = GroupDraft.WithOneRule();

    public string Message { get; set; } = DefaultMessage;

    public string Objective { get; set; } = "";

    public bool SmartSending { get; set; } = true;

    /// <summary>The control group's share of the audience (0–50): 10 by default in the composer, so every campaign can say what it earned.</summary>
    public int HoldoutPercent { get; set; } = 10;

    /// <summary>Days after a delivery in which an order counts for the campaign.</summary>
    public int AttributionDays { get; set; } = 7;

    public bool Later { get; set; }

    /// <summary>When to send, on the marketer's clock (the browser's time zone).</summary>
    public DateTime? SendAt { get; set; }

    /// <summary>Set by the page: the audience builder holds its count back until the words it left out are looked at.</summary>
    public bool RulesHeld { get; set; }

    /// <summary>Set by the page: the chosen saved audience has no rules, so it is everyone.</summary>
    public bool SavedIsEveryone { get; set; }

    /// <summary>Whether the marketer has changed anything yet (an untouched composer keeps no draft).</summary>
    public bool IsBlank => Name.Length == 0 && Audience == AudienceSource.None && Message == DefaultMessage && Objective.Length == 0;

    /// <summary>The rule group the audience is, for <see cref="AudienceSource.Rules"/> and <see cref="AudienceSource.Everyone"/>.</summary>
    public JsonObject? RuleGroup => Audience switch
    {
        AudienceSource.Rules => Rules.ToJson(),
        AudienceSource.Everyone => new JsonObject { ["combinator"] = "AND", ["rules"] = new JsonArray() },
        _ => null,
    };

    /// <summary>What is not chosen or written yet, by field, before anything is asked of the Api.</summary>
    public List<FieldError> Missing(DateTimeOffset now, Func<DateTime, DateTimeOffset> onMarketersClock)
    {
        var missing = new List<FieldError>();
        if (Name.Trim().Length == 0)
        {
            missing.Add(new("name", "Give the campaign a name."));
        }

        if (Audience == AudienceSource.None)
        {
            missing.Add(new("audience", "Choose who gets it: a saved audience, rules built here, or everyone."));
        }
        else if (Audience == AudienceSource.Saved && SegmentId.Length == 0)
        {
            missing.Add(new("segmentId", "Choose a saved audience."));
        }
        else if (Audience == AudienceSource.Saved && SavedIsEveryone)
        {
            missing.Add(new("segmentId", "This saved audience has no rules, so it is everyone: choose “Everyone” above to send to everyone."));
        }
        else if (Audience == AudienceSource.Rules && Rules.IsEmpty)
        {
            missing.Add(new("audience", "No rules means everyone: choose “Everyone” above, or add a rule."));
        }
        else if (Audience == AudienceSource.Rules && RulesHeld)
        {
            missing.Add(new("audience", "Some of your words are not in the rules: add rules for them, reword the description, or count the rules as they are."));
        }

        if (Message.Trim().Length == 0)
        {
            missing.Add(new("message", "Write the message."));
        }

        if (Later && SendAt is null)
        {
            missing.Add(new("sendAt", "Choose a date and a time."));
        }
        else if (Later && (SendAt!.Value.Year > now.Year + 1 || onMarketersClock(SendAt.Value) > now.AddYears(1)))
        {
            missing.Add(new("sendAt", "Choose a time within the next year."));
        }
        else if (Later && onMarketersClock(SendAt!.Value) <= now)
        {
            missing.Add(new("sendAt", "Choose a time in the future, or send it now."));
        }

        return missing;
    }

    /// <summary>The launch request: what a curl user sends to <c>POST /api/campaigns</c>.</summary>
    public CampaignLaunch ToLaunch(string timeZone, Guid? draftId) => new(
        Name: Name,
        Rules: Audience == AudienceSource.Saved ? null : Audience == AudienceSource.Everyone ? RuleNode.Everyone : Audience == AudienceSource.Rules ? Rules.ToNode() : null,
        SegmentId: Audience == AudienceSource.Saved && Guid.TryParse(SegmentId, out var segment) ? segment : null,
        Message: Message,
        SendAt: Later ? SendAt?.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) : null,
        TimeZone: Later ? timeZone : null,
        SmartSending: SmartSending,
        DraftId: draftId,
        HoldoutPercent: HoldoutPercent,
        AttributionDays: AttributionDays);

    /// <summary>Everything the composer holds, as a draft keeps it.</summary>
    public DraftContent ToDraft() => new()
    {
        Name = Name,
        Message = Message,
        Rules = JsonSerializer.SerializeToElement(Rules.ToNode(), SegmentJson.Default.RuleNode),
        SegmentId = Guid.TryParse(SegmentId, out var segment) ? segment : null,
        SmartSending = SmartSending,
        SendAt = SendAt?.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture),
        Other = new()
        {
            ["audience"] = JsonSerializer.SerializeToElement(Audience == AudienceSource.None ? null : Audience.ToString().ToLowerInvariant()),
            ["objective"] = JsonSerializer.SerializeToElement(Objective.Length > 0 ? Objective : null),
            ["when"] = JsonSerializer.SerializeToElement(Later ? "later" : "now"),
            ["holdoutPercent"] = JsonSerializer.SerializeToElement(HoldoutPercent),
            ["attributionDays"] = JsonSerializer.SerializeToElement(AttributionDays),
        },
    };

    /// <summary>A draft back into the composer; what a draft lacks (or an API client wrote differently) keeps its default.</summary>
    public static Composition FromDraft(JsonNode? draft)
    {
        var composition = new Composition
        {
            Name = Text(draft?["name"]) ?? "",
            SegmentId = Text(draft?["segmentId"]) ?? "",
            Message = Text(draft?["message"]) ?? DefaultMessage,
            Objective = Text(draft?["objective"]) ?? "",
            SmartSending = draft?["smartSending"] is JsonValue smart && smart.TryGetValue<bool>(out var on) ? on : true,
            Later = Text(draft?["when"]) == "later" || (Text(draft?["when"]) is null && Text(draft?["sendAt"]) is not null),
            SendAt = DateTime.TryParse(Text(draft?["sendAt"]), CultureInfo.InvariantCulture, DateTimeStyles.None, out var at) ? at : null,
            HoldoutPercent = draft?["holdoutPercent"] is JsonValue holdout && holdout.TryGetValue<int>(out var percent) && percent is >= 0 and <= 50 ? percent : 10,
            AttributionDays = draft?["attributionDays"] is JsonValue window && window.TryGetValue<int>(out var days) && days is >= 1 and <= 90 ? days : 7,
        };
        if (draft?["rules"] is JsonObject rules)
        {
            composition.Rules = GroupDraft.From(rules);
        }

        composition.Audience = Text(draft?["audience"]) switch
        {
            "saved" => AudienceSource.Saved,
            "rules" => AudienceSource.Rules,
            "everyone" => AudienceSource.Everyone,
            // A draft written by an API client: its segmentId or rules say where the audience comes from.
            _ when composition.SegmentId.Length > 0 => AudienceSource.Saved,
            _ when draft?["rules"] is JsonObject => AudienceSource.Rules,
            _ => AudienceSource.None,
        };
        return composition;
    }

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
