using MiniCrm.Core.Segments;

namespace MiniCrm.Api.Web.Support;

/// <summary>One rule as the builder edits it; the value stays text until it is sent, so the validator judges it.</summary>
public sealed class RuleDraft
{
    public string Attribute { get; set; } = "total_spend";
    public string Operator { get; set; } = ">";
    public string Value { get; set; } = "";

    public bool IsNumeric => SegmentVocabulary.Attributes.TryGetValue(Attribute, out var a) && SegmentVocabulary.IsNumeric(a);

    /// <summary>Only the operators the attribute allows (a city is = or !=).</summary>
    public IEnumerable<string> Operators => SegmentVocabulary.Attributes.TryGetValue(Attribute, out var a)
        ? SegmentVocabulary.Operators.Where(o => SegmentVocabulary.Allows(a, o.Value)).Select(o => o.Key)
        : SegmentVocabulary.Operators.Keys;

    public void SetAttribute(string attribute)
    {
        Attribute = attribute;
        if (!Operators.Contains(Operator))
        {
            Operator = "=";
        }
    }
}
