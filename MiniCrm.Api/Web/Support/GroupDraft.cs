using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MiniCrm.Core.Segments;

namespace MiniCrm.Api.Web.Support;

/// <summary>
/// A rule group as the builder edits it: AND/OR over rules and nested groups. It becomes the same JSON a curl
/// user sends, and is read back from a saved audience or an AI draft.
/// </summary>
public sealed class GroupDraft
{
    public string Combinator { get; set; } = "AND";
    public List<object> Items { get; } = [];

    /// <summary>A group with one rule to fill in: where an empty group would mean everyone without anyone choosing it.</summary>
    public static GroupDraft WithOneRule() => new() { Items = { new RuleDraft() } };

    /// <summary>No rule anywhere in it (empty groups only): it selects everyone.</summary>
    public bool IsEmpty => Items.All(item => item is GroupDraft { IsEmpty: true });

    /// <summary>Whether a rule group's JSON (a saved audience's) has no rule anywhere in it.</summary>
    public static bool SelectsEveryone(JsonNode? rules) =>
        rules?["rules"] is not JsonArray items || items.All(item => item?["rules"] is not null && SelectsEveryone(item));

    public static readonly IReadOnlyDictionary<string, string> AttributeLabels = new Dictionary<string, string>
    {
        ["total_spend"] = "Total spend",
        ["visit"] = "Visits",
        ["city"] = "City",
        ["last_order_date"] = "Days since last order",
    };

    public static readonly IReadOnlyDictionary<string, string> OperatorLabels = new Dictionary<string, string>
    {
        [">"] = "more than", ["<"] = "less than", ["="] = "is", [">="] = "at least", ["<="] = "at most", ["!="] = "is not",
    };

    /// <summary>The group as a request carries it: what <see cref="RuleGroupParser"/> checks, for the builder as for a curl user.</summary>
    public RuleNode ToNode() => new(Combinator, [.. Items.Select(item => item switch
    {
        GroupDraft group => group.ToNode(),
        RuleDraft rule => new RuleNode(Attribute: rule.Attribute, Operator: rule.Operator, Value: Value(rule)),
        _ => throw new InvalidOperationException("A group holds rules and groups."),
    })]);

    /// <summary>The group as JSON, as a draft or an address keeps it.</summary>
    public JsonObject ToJson() => JsonSerializer.SerializeToNode(ToNode(), SegmentJson.Default.RuleNode)!.AsObject();

    /// <summary>A number typed the browser's way ("1.234,5" in German) or the plain way; anything else goes as text for the validator to name.</summary>
    private static JsonElement? Value(RuleDraft rule)
    {
        var text = rule.Value.Trim();
        if (!rule.IsNumeric)
        {
            return JsonSerializer.SerializeToElement(text);
        }

        if (text.Length == 0)
        {
            return null;
        }

        return decimal.TryParse(text, NumberStyles.Number, CultureInfo.CurrentCulture, out var number) ||
               decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out number)
            ? JsonSerializer.SerializeToElement(number)
            : JsonSerializer.SerializeToElement(text);
    }

    public static GroupDraft From(JsonNode? json)
    {
        var group = new GroupDraft { Combinator = json?["combinator"]?.GetValue<string>() == "OR" ? "OR" : "AND" };
        foreach (var item in json?["rules"]?.AsArray() ?? [])
        {
            if (item?["combinator"] is not null)
            {
                group.Items.Add(From(item));
            }
            else if (item is JsonObject rule)
            {
                var value = rule["value"];
                group.Items.Add(new RuleDraft
                {
                    Attribute = rule["attribute"]?.GetValue<string>() ?? "total_spend",
                    Operator = rule["operator"]?.GetValue<string>() ?? ">",
                    Value = value is JsonValue v && v.TryGetValue<decimal>(out var number) ? number.ToString(CultureInfo.CurrentCulture) : value?.ToString() ?? "",
                });
            }
        }

        return group;
    }
}
