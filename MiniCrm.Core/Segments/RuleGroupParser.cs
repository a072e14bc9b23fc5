using System.Text.Json;
using MiniCrm.Core.Text;

namespace MiniCrm.Core.Segments;

/// <summary>
/// The one validator for rule groups (used by the Api, the AI helper and the UI's requests): turns
/// JSON into a <see cref="RuleGroup"/> or lists every problem with the path of the rule it is in.
/// </summary>
public static class RuleGroupParser
{
    public const int MaxDepth = 10;
    public const int MaxRules = 200;
    public const int MaxStringLength = 100;

    public static RuleGroup? Parse(JsonElement json, List<FieldError> errors, string path = "rules")
    {
        var ruleCount = 0;
        var before = errors.Count;
        var group = ParseGroup(json, path, depth: 1, errors, ref ruleCount);
        if (ruleCount > MaxRules)
        {
            errors.Add(new FieldError(path, $"A segment may have at most {MaxRules} rules and groups; this one has {ruleCount}."));
        }

        return errors.Count == before ? group : null;
    }

    private static RuleGroup? ParseGroup(JsonElement json, string path, int depth, List<FieldError> errors, ref int ruleCount)
    {
        if (depth > 1)
        {
            ruleCount++; // a nested group counts as a rule: a million empty groups are refused, not walked
        }

        if (json.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new FieldError(path, "A rule group must be an object: {\"combinator\": \"AND\", \"rules\": [...]}."));
            return null;
        }

        if (depth > MaxDepth)
        {
            errors.Add(new FieldError(path, $"Rule groups may be nested at most {MaxDepth} deep."));
            return null;
        }

        var combinator = Combinator.And;
        if (!json.TryGetProperty("combinator", out var combinatorJson))
        {
            errors.Add(new FieldError($"{path}.combinator", "Required: \"AND\" or \"OR\"."));
        }
        else if (Text(combinatorJson) is not ("AND" or "OR"))
        {
            errors.Add(new FieldError($"{path}.combinator", $"Must be \"AND\" or \"OR\", not {Show(combinatorJson)}."));
        }
        else
        {
            combinator = Text(combinatorJson) == "OR" ? Combinator.Or : Combinator.And;
        }

        if (!json.TryGetProperty("rules", out var rulesJson) || rulesJson.ValueKind != JsonValueKind.Array)
        {
            errors.Add(new FieldError($"{path}.rules", "Required: an array of rules and rule groups (it may be empty)."));
            return null;
        }

        var rules = new List<SegmentNode>();
        var index = 0;
        foreach (var item in rulesJson.EnumerateArray())
        {
            var itemPath = $"{path}.rules[{index++}]";
            if (ruleCount > MaxRules)
            {
                break; // counted enough to refuse; do not walk a huge input further
            }

            SegmentNode? node = item.ValueKind == JsonValueKind.Object && item.TryGetProperty("combinator", out _)
                ? ParseGroup(item, itemPath, depth + 1, errors, ref ruleCount)
                : ParseRule(item, itemPath, errors, ref ruleCount);
            if (node is not null)
            {
                rules.Add(node);
            }
        }

        return new RuleGroup(combinator, rules);
    }

    private static Rule? ParseRule(JsonElement json, string path, List<FieldError> errors, ref int ruleCount)
    {
        ruleCount++;
        if (json.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new FieldError(path, "A rule must be an object: {\"attribute\": ..., \"operator\": ..., \"value\": ...}."));
            return null;
        }

        SegmentAttribute? attribute = null;
        if (!json.TryGetProperty("attribute", out var attributeJson))
        {
            errors.Add(new FieldError($"{path}.attribute", $"Required: one of {string.Join(", ", SegmentVocabulary.Attributes.Keys)}."));
        }
        else if (Text(attributeJson) is not { } attributeName || !SegmentVocabulary.Attributes.TryGetValue(attributeName, out var a))
        {
            errors.Add(new FieldError($"{path}.attribute", $"Unknown attribute {Show(attributeJson)}; use one of {string.Join(", ", SegmentVocabulary.Attributes.Keys)}."));
        }
        else
        {
            attribute = a;
        }

        ComparisonOperator? op = null;
        if (!json.TryGetProperty("operator", out var operatorJson))
        {
            errors.Add(new FieldError($"{path}.operator", "Required."));
        }
        else if (Text(operatorJson) is not { } operatorName || !SegmentVocabulary.Operators.TryGetValue(operatorName, out var o))
        {
            errors.Add(new FieldError($"{path}.operator", $"Unknown operator {Show(operatorJson)}; use one of {string.Join(" ", SegmentVocabulary.Operators.Keys)}."));
        }
        else if (attribute is { } at && !SegmentVocabulary.Allows(at, o))
        {
            errors.Add(new FieldError($"{path}.operator", $"{SegmentVocabulary.NameOf(at)} is text and can only be compared with = or !=."));
        }
        else
        {
            op = o;
        }

        object? value = null;
        if (!json.TryGetProperty("value", out var valueJson) || valueJson.ValueKind == JsonValueKind.Null)
        {
            errors.Add(new FieldError($"{path}.value", "Required."));
        }
        else if (attribute is { } at)
        {
            value = ParseValue(at, valueJson, $"{path}.value", errors);
        }

        return attribute is { } attr && op is { } oper && value is not null ? new Rule(attr, oper, value) : null;
    }

    private static object? ParseValue(SegmentAttribute attribute, JsonElement json, string path, List<FieldError> errors)
    {
        var name = SegmentVocabulary.NameOf(attribute);
        if (!SegmentVocabulary.IsNumeric(attribute))
        {
            if (json.ValueKind != JsonValueKind.String)
            {
                errors.Add(new FieldError(path, $"{name} takes text, not {Show(json)}."));
                return null;
            }

            if (StoredText.Read(json, out var problem) is not { } raw)
            {
                errors.Add(new FieldError(path, problem!));
                return null;
            }

            var text = raw.Trim();
            if (text.Length == 0)
            {
                errors.Add(new FieldError(path, $"{name} cannot be empty."));
                return null;
            }

            if (text.Length > MaxStringLength)
            {
                errors.Add(new FieldError(path, $"{name} values are at most {MaxStringLength} characters."));
                return null;
            }

            return text;
        }

        if (json.ValueKind != JsonValueKind.Number || !json.TryGetDecimal(out var number))
        {
            errors.Add(new FieldError(path, $"{name} takes a number, not {Show(json)}."));
            return null;
        }

        // Spend, visits and days are never below zero: a negative value is a slip, not an audience.
        if (number < 0)
        {
            errors.Add(new FieldError(path, $"{name} cannot be negative."));
            return null;
        }

        if (attribute == SegmentAttribute.Visit && number != decimal.Truncate(number))
        {
            errors.Add(new FieldError(path, $"{name} counts whole orders: use a whole number."));
            return null;
        }

        if (attribute == SegmentAttribute.LastOrderDate && number > 36500)
        {
            errors.Add(new FieldError(path, "last_order_date is a number of days ago, at most 36500."));
            return null;
        }

        return number;
    }

    /// <summary>A keyword's text, or null when it is not a string the CRM could store (so it is simply unknown).</summary>
    private static string? Text(JsonElement json) =>
        json.ValueKind == JsonValueKind.String ? StoredText.Read(json, out _) : null;

    private static string Show(JsonElement json)
    {
        var raw = json.GetRawText();
        return raw.Length > 40 ? raw[..40] + "…" : raw;
    }
}
