using System.Text.Json;
using MiniCrm.Core.Text;

namespace MiniCrm.Core.Segments;

/// <summary>
/// The one validator for rule groups (used by the Api, the AI helper and the UI's requests): turns
/// a <see cref="RuleNode"/> (or JSON of one) into a <see cref="RuleGroup"/> or lists every problem with the path of the rule it is in.
/// </summary>
public static class RuleGroupParser
{
    public const int MaxDepth = 10;
    public const int MaxRules = 200;
    public const int MaxStringLength = 100;

    /// <summary>Rules from JSON (a saved audience, a model's answer): its shape checked first, then <see cref="Parse(RuleNode?, List{FieldError}, string)"/>.</summary>
    public static RuleGroup? Parse(JsonElement json, List<FieldError> errors, string path = "rules")
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new FieldError(path, GroupShape));
            return null;
        }

        var shape = JsonShape.Check(json, SegmentJson.Default.RuleNode, path);
        if (shape.Count > 0)
        {
            errors.AddRange(shape);
            return null;
        }

        return Parse(json.Deserialize(SegmentJson.Default.RuleNode), errors, path);
    }

    /// <summary>Rules as a request carries them: a <see cref="RuleGroup"/>, or null with every problem named by its path.</summary>
    public static RuleGroup? Parse(RuleNode? node, List<FieldError> errors, string path = "rules")
    {
        var ruleCount = 0;
        var before = errors.Count;
        var group = ParseGroup(node, path, depth: 1, errors, ref ruleCount);
        if (ruleCount > MaxRules)
        {
            errors.Add(new FieldError(path, $"A segment may have at most {MaxRules} rules and groups; this one has {ruleCount}."));
        }

        return errors.Count == before ? group : null;
    }

    private const string GroupShape = "A rule group must be an object: {\"combinator\": \"AND\", \"rules\": [...]}.";

    private static RuleGroup? ParseGroup(RuleNode? node, string path, int depth, List<FieldError> errors, ref int ruleCount)
    {
        if (depth > 1)
        {
            ruleCount++; // a nested group counts as a rule: a million empty groups are refused, not walked
        }

        if (node is null)
        {
            errors.Add(new FieldError(path, GroupShape));
            return null;
        }

        if (depth > MaxDepth)
        {
            errors.Add(new FieldError(path, $"Rule groups may be nested at most {MaxDepth} deep."));
            return null;
        }

        var combinator = Combinator.And;
        if (node.Combinator is null)
        {
            errors.Add(new FieldError($"{path}.combinator", "Required: \"AND\" or \"OR\"."));
        }
        else if (node.Combinator is not ("AND" or "OR"))
        {
            errors.Add(new FieldError($"{path}.combinator", $"Must be \"AND\" or \"OR\", not {Show(node.Combinator)}."));
        }
        else
        {
            combinator = node.Combinator == "OR" ? Combinator.Or : Combinator.And;
        }

        if (node.Rules is null)
        {
            errors.Add(new FieldError($"{path}.rules", "Required: an array of rules and rule groups (it may be empty)."));
            return null;
        }

        var rules = new List<SegmentNode>();
        var index = 0;
        foreach (var item in node.Rules)
        {
            var itemPath = $"{path}.rules[{index++}]";
            if (ruleCount > MaxRules)
            {
                break; // counted enough to refuse; do not walk a huge input further
            }

            SegmentNode? parsed = item is { IsGroup: true }
                ? ParseGroup(item, itemPath, depth + 1, errors, ref ruleCount)
                : ParseRule(item, itemPath, errors, ref ruleCount);
            if (parsed is not null)
            {
                rules.Add(parsed);
            }
        }

        return new RuleGroup(combinator, rules);
    }

    private static Rule? ParseRule(RuleNode? node, string path, List<FieldError> errors, ref int ruleCount)
    {
        ruleCount++;
        if (node is null)
        {
            errors.Add(new FieldError(path, "A rule must be an object: {\"attribute\": ..., \"operator\": ..., \"value\": ...}."));
            return null;
        }

        SegmentAttribute? attribute = null;
        if (node.Attribute is null)
        {
            errors.Add(new FieldError($"{path}.attribute", $"Required: one of {string.Join(", ", SegmentVocabulary.Attributes.Keys)}."));
        }
        else if (!SegmentVocabulary.Attributes.TryGetValue(node.Attribute, out var a))
        {
            errors.Add(new FieldError($"{path}.attribute", $"Unknown attribute {Show(node.Attribute)}; use one of {string.Join(", ", SegmentVocabulary.Attributes.Keys)}."));
        }
        else
        {
            attribute = a;
        }

        ComparisonOperator? op = null;
        if (node.Operator is null)
        {
            errors.Add(new FieldError($"{path}.operator", "Required."));
        }
        else if (!SegmentVocabulary.Operators.TryGetValue(node.Operator, out var o))
        {
            errors.Add(new FieldError($"{path}.operator", $"Unknown operator {Show(node.Operator)}; use one of {string.Join(" ", SegmentVocabulary.Operators.Keys)}."));
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
        if (node.Value is not { ValueKind: not JsonValueKind.Null } valueJson)
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

    /// <summary>A keyword as the message quotes it: what cannot be shown (a lone surrogate) replaced, long text cut.</summary>
    private static string Show(string text)
    {
        var shown = StoredText.Clean(text);
        return shown.Length > 38 ? $"\"{shown[..38]}…" : $"\"{shown}\"";
    }

    private static string Show(JsonElement json)
    {
        var raw = json.GetRawText();
        return raw.Length > 40 ? raw[..40] + "…" : raw;
    }
}
