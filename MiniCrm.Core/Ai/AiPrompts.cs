using System.Collections.Concurrent;
using Microsoft.SemanticKernel;
using MiniCrm.Core.Campaigns;
using MiniCrm.Core.Segments;

namespace MiniCrm.Core.Ai;

/// <summary>
/// The four jobs' system prompts, kept as files beside this one (Prompts/*.md, embedded in the
/// assembly) and rendered with Semantic Kernel's prompt template engine: the vocabulary they state
/// (attributes, operators, placeholders) comes from the same tables the validators use.
/// </summary>
public static class AiPrompts
{
    public const string Intent = "intent";
    public const string Summary = "summary";
    public const string Messages = "messages";
    public const string Rules = "rules";

    private static readonly ConcurrentDictionary<string, string> Files = new();

    private static readonly KernelArguments Vocabulary = new()
    {
        ["attributes"] = """
            - total_spend: the customer's total spend in rupees (a number)
            - visit: the number of visits or orders (a number)
            - city: the customer's city (text)
            - last_order_date: days since the customer's last order (a number; a customer who never ordered counts as forever ago)
            """,
        ["operators"] = string.Join(" ", SegmentVocabulary.Operators.Keys),
        ["placeholders"] = string.Join(", ", MessageTemplate.Placeholders.Select(p => "{{" + p + "}}")),
        ["greeting"] = "{{name}}",
    };

    /// <summary>The prompt file's text as written.</summary>
    public static string Source(string job) => Files.GetOrAdd(job, static name =>
    {
        using var stream = typeof(AiPrompts).Assembly.GetManifestResourceStream($"MiniCrm.Core.Ai.Prompts.{name}.md")
            ?? throw new InvalidOperationException($"No prompt file Prompts/{name}.md is embedded.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    /// <summary>The prompt with its variables filled in, as the model receives it.</summary>
    public static async Task<string> RenderAsync(Kernel kernel, string job, CancellationToken ct)
    {
        // The values are this file's own tables, never user input, so they go in as written.
        var config = new PromptTemplateConfig(Source(job)) { Name = job, AllowDangerouslySetContent = true };
        var template = new KernelPromptTemplateFactory { AllowDangerouslySetContent = true }.Create(config);
        return await template.RenderAsync(kernel, Vocabulary, ct);
    }
}
