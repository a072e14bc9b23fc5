using System.ComponentModel;
using System.Text.Json;

namespace MiniCrm.Core.Segments;

/// <summary>
/// A rule group, {combinator, rules}, or a rule, {attribute, operator, value}, as requests, drafts and saved audiences
/// carry it: a node with a combinator is a group. Groups nest up to 10 deep; 200 rules at most. <see cref="RuleGroupParser"/>
/// turns it into a <see cref="RuleGroup"/> or names every problem by its path.
/// </summary>
public sealed record RuleNode(
    [property: Description("AND or OR (a group)")] string? Combinator = null,
    [property: Description("rules and groups (a group); empty matches everyone")] IReadOnlyList<RuleNode?>? Rules = null,
    [property: Description("total_spend, visit, city or last_order_date (a rule)")] string? Attribute = null,
    [property: Description("> < = >= <= != for numbers, = != for city (a rule)")] string? Operator = null,
    [property: Description("a number, or text for city (a rule)")] JsonElement? Value = null)
{
    /// <summary>The group that matches everyone: <c>{"combinator": "AND", "rules": []}</c>.</summary>
    public static RuleNode Everyone => new("AND", []);

    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsGroup => Combinator is not null;
}
