namespace MiniCrm.Core.Segments;

public enum Combinator
{
    And,
    Or,
}

/// <summary>The customer attributes a segment can test, with the type of value each takes.</summary>
public enum SegmentAttribute
{
    /// <summary>total_spend: a number.</summary>
    TotalSpend,
    /// <summary>visit: a number of visits.</summary>
    Visit,
    /// <summary>city: a string, compared without regard to case.</summary>
    City,
    /// <summary>last_order_date: days since the last completed order; a customer who never ordered is infinitely long ago.</summary>
    LastOrderDate,
}

public enum ComparisonOperator
{
    GreaterThan,
    LessThan,
    Equal,
    GreaterThanOrEqual,
    LessThanOrEqual,
    NotEqual,
}

public abstract record SegmentNode;

/// <summary><c>{combinator, rules}</c>: all (AND) or any (OR) of its rules; an empty group matches everyone.</summary>
public sealed record RuleGroup(Combinator Combinator, IReadOnlyList<SegmentNode> Rules) : SegmentNode
{
    public static RuleGroup Everyone { get; } = new(Combinator.And, []);
}

/// <summary><c>{attribute, operator, value}</c>; the value is a decimal for number attributes, a string for city.</summary>
public sealed record Rule(SegmentAttribute Attribute, ComparisonOperator Operator, object Value) : SegmentNode;

/// <summary>One problem with an input, located by a JSON-ish path such as <c>rules[1].operator</c>.</summary>
public sealed record FieldError(string Field, string Message);

public static class SegmentVocabulary
{
    public static readonly IReadOnlyDictionary<string, SegmentAttribute> Attributes = new Dictionary<string, SegmentAttribute>(StringComparer.Ordinal)
    {
        ["total_spend"] = SegmentAttribute.TotalSpend,
        ["visit"] = SegmentAttribute.Visit,
        ["city"] = SegmentAttribute.City,
        ["last_order_date"] = SegmentAttribute.LastOrderDate,
    };

    public static readonly IReadOnlyDictionary<string, ComparisonOperator> Operators = new Dictionary<string, ComparisonOperator>(StringComparer.Ordinal)
    {
        [">"] = ComparisonOperator.GreaterThan,
        ["<"] = ComparisonOperator.LessThan,
        ["="] = ComparisonOperator.Equal,
        [">="] = ComparisonOperator.GreaterThanOrEqual,
        ["<="] = ComparisonOperator.LessThanOrEqual,
        ["!="] = ComparisonOperator.NotEqual,
    };

    public static bool IsNumeric(SegmentAttribute attribute) => attribute != SegmentAttribute.City;

    public static bool Allows(SegmentAttribute attribute, ComparisonOperator op) =>
        IsNumeric(attribute) || op is ComparisonOperator.Equal or ComparisonOperator.NotEqual;

    public static string NameOf(SegmentAttribute attribute) => Attributes.First(a => a.Value == attribute).Key;

    public static string SymbolOf(ComparisonOperator op) => Operators.First(o => o.Value == op).Key;
}
