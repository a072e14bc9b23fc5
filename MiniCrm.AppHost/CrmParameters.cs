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
    IResourceBuilder<ParameterResource> VendorApiKey)
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
        Generated(builder, "vendor-api-key"));

    private static IResourceBuilder<ParameterResource> Generated(IDistributedApplicationBuilder builder, string name) =>
        builder.AddParameter(name, new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: true);

    private static IResourceBuilder<ParameterResource> Optional(IDistributedApplicationBuilder builder, string name, bool secret) =>
        builder.AddParameter(name, () => builder.Configuration[$"Parameters:{name}"] ?? "", publishValueAsDefault: false, secret: secret);
}

internal static class AiParameterExtensions
{
    /// <summary>The AI settings (<c>AI:*</c> in the service) from the ai-* parameters.</summary>
    public static IResourceBuilder<ProjectResource> WithAi(this IResourceBuilder<ProjectResource> project, CrmParameters parameters) => project
        .WithEnvironment("AI__Provider", parameters.AiProvider)
        .WithEnvironment("AI__Model", parameters.AiModel)
        .WithEnvironment("AI__Endpoint", parameters.AiEndpoint)
        .WithEnvironment("AI__ApiKey", parameters.AiApiKey);
}
