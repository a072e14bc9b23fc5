using System.ComponentModel.DataAnnotations;

namespace MiniCrm.Core.Ai;

/// <summary>
/// Which model writes the AI texts: <c>AI:*</c>, from the AppHost's ai-* parameters. With no provider
/// (the default) the offline provider answers and nothing leaves the machine.
/// </summary>
public sealed class AiOptions : IValidatableObject
{
    public const string SectionName = "AI";

    /// <summary><c>offline</c> (default), <c>openai</c>, <c>azure-openai</c> or <c>openai-compatible</c> (any server speaking /v1/chat/completions).</summary>
    public string Provider { get; set; } = AiProviders.Offline;

    /// <summary>The model id (OpenAI, compatible servers) or the deployment name (Azure OpenAI).</summary>
    public string? Model { get; set; }

    /// <summary>The base URL: required for Azure OpenAI (https://NAME.openai.azure.com/) and compatible servers (http://localhost:11434/v1); optional for OpenAI.</summary>
    public string? Endpoint { get; set; }

    /// <summary>The key (the AppHost's ai-api-key secret). Required for OpenAI and Azure OpenAI; optional for a local server.</summary>
    public string? ApiKey { get; set; }

    /// <summary>How long one AI call may take before the offline answer is used instead.</summary>
    [Range(1, 300)]
    public int TimeoutSeconds { get; set; } = 10;

    /// <summary>The most tokens one answer may have.</summary>
    [Range(50, 8_000)]
    public int MaxOutputTokens { get; set; } = 800;

    public string ProviderName => AiProviders.Normalise(Provider);

    public bool UsesModel => ProviderName != AiProviders.Offline;

    /// <summary>The endpoint as a URL, or null for the provider's own (validated at start).</summary>
    public Uri? EndpointUri => string.IsNullOrWhiteSpace(Endpoint) ? null : new Uri(Endpoint.Trim(), UriKind.Absolute);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var provider = ProviderName;
        if (!AiProviders.All.Contains(provider))
        {
            yield return new ValidationResult($"AI:Provider '{Provider}' is not one of {string.Join(", ", AiProviders.All)}.", [nameof(Provider)]);
            yield break;
        }

        if (provider == AiProviders.Offline)
        {
            yield break;
        }

        if (string.IsNullOrWhiteSpace(Model))
        {
            yield return new ValidationResult($"AI:Model is required for the {provider} provider (for Azure OpenAI, the deployment name).", [nameof(Model)]);
        }

        if (provider is AiProviders.AzureOpenAI or AiProviders.OpenAICompatible && string.IsNullOrWhiteSpace(Endpoint))
        {
            yield return new ValidationResult($"AI:Endpoint is required for the {provider} provider.", [nameof(Endpoint)]);
        }

        if (!string.IsNullOrWhiteSpace(Endpoint) && (!Uri.TryCreate(Endpoint.Trim(), UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("http" or "https")))
        {
            yield return new ValidationResult("AI:Endpoint must be an absolute http or https URL.", [nameof(Endpoint)]);
        }

        if (provider is AiProviders.OpenAI or AiProviders.AzureOpenAI && string.IsNullOrWhiteSpace(ApiKey))
        {
            yield return new ValidationResult($"AI:ApiKey is required for the {provider} provider (set the AppHost's ai-api-key parameter).", [nameof(ApiKey)]);
        }
    }
}

public static class AiProviders
{
    public const string Offline = "offline";
    public const string OpenAI = "openai";
    public const string AzureOpenAI = "azure-openai";
    public const string OpenAICompatible = "openai-compatible";

    public static readonly IReadOnlyList<string> All = [Offline, OpenAI, AzureOpenAI, OpenAICompatible];

    /// <summary>"OpenAI", "AzureOpenAI", "azure_openai" and "" all read as the names above ("" is offline).</summary>
    public static string Normalise(string? provider)
    {
        var name = (provider ?? "").Trim().ToLowerInvariant().Replace('_', '-');
        return name switch
        {
            "" or "none" => Offline,
            "azureopenai" or "azure" => AzureOpenAI,
            "openaicompatible" or "compatible" or "local" => OpenAICompatible,
            _ => name,
        };
    }
}
