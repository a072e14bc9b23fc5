namespace MiniCrm.AppHost;

/// <summary>
/// The system's secrets, as Aspire parameters: generated on first run and kept in the AppHost's
/// user secrets (so F5 needs no set-up), prompted for or supplied as inputs when deployed.
/// Google sign-in and the AI settings are optional: empty means "not configured".
/// </summary>
internal sealed record CrmParameters(
    IResourceBuilder<ParameterResource> IngestApiKey,
    IResourceBuilder<ParameterResource> VendorSigningSecret,
    IResourceBuilder<ParameterResource> GoogleClientId,
    IResourceBuilder<ParameterResource> GoogleClientSecret,
    IResourceBuilder<ParameterResource> AiProvider,
    IResourceBuilder<ParameterResource> AiModel,
    IResourceBuilder<ParameterResource> AiEndpoint,
    IResourceBuilder<ParameterResource> AiApiKey,
    IResourceBuilder<ParameterResource> OpsKey,
    IResourceBuilder<ParameterResource> VendorApiKey,
    IResourceBuilder<ParameterResource> LinkSigningKey)
{
    public static CrmParameters Add(IDistributedApplicationBuilder builder) => new(
        Generated(builder, "ingest-api-key"),
        Generated(builder, "vendor-signing-secret"),
        Optional(builder, "google-client-id", secret: false),
        Optional(builder, "google-client-secret", secret: true),
        // The AI provider (offline when empty), its model or deployment, its base URL and its key.
        Optional(builder, "ai-provider", secret: false),
        Optional(builder, "ai-model", secret: false),
        Optional(builder, "ai-endpoint", secret: false),
        Optional(builder, "ai-api-key", secret: true),
        Generated(builder, "ops-key"),
        // The messaging vendor's API key, which the Workers present on every delivery request.
        Generated(builder, "vendor-api-key"),
        // Signs every customer's unsubscribe link; changing it breaks the links already sent.
        Generated(builder, "link-signing-key"));

    private static IResourceBuilder<ParameterResource> Generated(IDistributedApplicationBuilder builder, string name) =>
        builder.AddParameter(name, new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: true);

    private static IResourceBuilder<ParameterResource> Optional(IDistributedApplicationBuilder builder, string name, bool secret) =>
        builder.AddParameter(name, () => builder.Configuration[$"Parameters:{name}"] ?? "", publishValueAsDefault: false, secret: secret);
}

internal static class AiParameterExtensions
{
    /// <summary>
    /// Consent (<c>Consent:*</c>): the unsubscribe links' key and public address (the Api's), and the frequency
    /// cap, the same for the Api (audience counts) and the Workers (audiences).
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithConsent(
        this IResourceBuilder<ProjectResource> project, CrmParameters parameters, IResourceBuilder<ProjectResource> api, Microsoft.Extensions.Configuration.IConfiguration configuration) => project
        .WithEnvironment("Consent__LinkSigningKey", parameters.LinkSigningKey)
        .WithEnvironment("Consent__PublicBaseUrl", configuration["Consent:PublicBaseUrl"] is { Length: > 0 } url ? ReferenceExpression.Create($"{url}") : ReferenceExpression.Create($"{api.GetEndpoint("http")}"))
        .WithEnvironment("Consent__FrequencyCapMessages", configuration["Consent:FrequencyCapMessages"] ?? "0")
        .WithEnvironment("Consent__FrequencyCapDays", configuration["Consent:FrequencyCapDays"] ?? "7");

    /// <summary>The AI settings (<c>AI:*</c> in the service) from the ai-* parameters.</summary>
    public static IResourceBuilder<ProjectResource> WithAi(this IResourceBuilder<ProjectResource> project, CrmParameters parameters) => project
        .WithEnvironment("AI__Provider", parameters.AiProvider)
        .WithEnvironment("AI__Model", parameters.AiModel)
        .WithEnvironment("AI__Endpoint", parameters.AiEndpoint)
        .WithEnvironment("AI__ApiKey", parameters.AiApiKey);
}
