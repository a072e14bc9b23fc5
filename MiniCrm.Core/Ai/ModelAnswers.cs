using System.Text.Json.Serialization;

namespace MiniCrm.Core.Ai;

// The JSON a model is asked for (Semantic Kernel sends each as a strict JSON schema). Kept flat and
// non-recursive, as structured output requires; every answer is validated again before it is used.

public sealed class IntentAnswer
{
    [JsonPropertyName("intent")]
    public string Intent { get; set; } = "";
}

public sealed class SummaryAnswer
{
    [JsonPropertyName("summary")]
    public string Summary { get; set; } = "";
}

public sealed class MessagesAnswer
{
    [JsonPropertyName("suggestions")]
    public List<string> Suggestions { get; set; } = [];
}

/// <summary>A rule group of rules and one level of groups (deeper nesting is the builder's, not the model's).</summary>
public sealed class RulesAnswer
{
    [JsonPropertyName("combinator")]
    public string Combinator { get; set; } = "AND";

    [JsonPropertyName("rules")]
    public List<RuleAnswer> Rules { get; set; } = [];

    [JsonPropertyName("groups")]
    public List<RuleGroupAnswer> Groups { get; set; } = [];

    [JsonPropertyName("unusedWords")]
    public List<string> UnusedWords { get; set; } = [];
}

public sealed class RuleGroupAnswer
{
    [JsonPropertyName("combinator")]
    public string Combinator { get; set; } = "AND";

    [JsonPropertyName("rules")]
    public List<RuleAnswer> Rules { get; set; } = [];
}

public sealed class RuleAnswer
{
    [JsonPropertyName("attribute")]
    public string Attribute { get; set; } = "";

    [JsonPropertyName("operator")]
    public string Operator { get; set; } = "";

    /// <summary>As text ("5000", "Pune"): a schema of one type for every attribute; numbers are read back as numbers.</summary>
    [JsonPropertyName("value")]
    public string Value { get; set; } = "";
}
