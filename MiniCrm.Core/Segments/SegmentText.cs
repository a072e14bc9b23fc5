using System.Globalization;
using System.Text.Json.Nodes;

namespace MiniCrm.Core.Segments;

/// <summary>Rule groups in words (a campaign's intent until the AI writes one) and back to canonical JSON.</summary>
public static class SegmentText
{
    public static string Describe(RuleGroup group) =>
        group.Rules.Count == 0 ? "All customers" : "Customers " + DescribeGroup(group, top: true);

    private static string DescribeGroup(RuleGroup group, bool top)
    {
        if (group.Rules.Count == 0)
        {
            return "(any customer)";
        }

        var parts = group.Rules.Select(r => r switch
        {
            RuleGroup g => DescribeGroup(g, top: false),
            Rule rule => DescribeRule(rule),
            _ => "",
        });
        var joined = string.Join(group.Combinator == Combinator.And ? " and " : " or ", parts);
        return top || group.Rules.Count == 1 ? joined : $"({joined})";
    }

    private static string DescribeRule(Rule rule)
    {
        var value = rule.Value is decimal d ? d.ToString("0.##", CultureInfo.InvariantCulture) : $"\"{rule.Value}\"";
        return rule.Attribute switch
        {
            SegmentAttribute.TotalSpend => $"whose total spend is {Compare(rule.Operator)} {value}",
            SegmentAttribute.Visit => $"with {Compare(rule.Operator)} {value} visits",
            SegmentAttribute.City => rule.Operator == ComparisonOperator.Equal ? $"in {rule.Value}" : $"not in {rule.Value}",
            SegmentAttribute.LastOrderDate => $"whose last order was {Compare(rule.Operator)} {value} days ago",
            _ => "",
        };
    }

    private static string Compare(ComparisonOperator op) => op switch
    {
        ComparisonOperator.GreaterThan => "more than",
        ComparisonOperator.LessThan => "less than",
        ComparisonOperator.Equal => "exactly",
        ComparisonOperator.GreaterThanOrEqual => "at least",
        ComparisonOperator.LessThanOrEqual => "at most",
        ComparisonOperator.NotEqual => "other than",
        _ => "",
    };

    public static JsonObject ToJson(RuleGroup group) => new()
    {
        ["combinator"] = group.Combinator == Combinator.And ? "AND" : "OR",
        ["rules"] = new JsonArray([.. group.Rules.Select(r => (JsonNode)(r switch
        {
            RuleGroup g => ToJson(g),
            Rule rule => new JsonObject
            {
                ["attribute"] = SegmentVocabulary.NameOf(rule.Attribute),
                ["operator"] = SegmentVocabulary.SymbolOf(rule.Operator),
                ["value"] = rule.Value is decimal d ? JsonValue.Create(d) : JsonValue.Create((string)rule.Value),
            },
            _ => throw new InvalidOperationException(),
        }))]),
    };
}
