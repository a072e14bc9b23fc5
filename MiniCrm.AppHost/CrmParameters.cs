namespace MiniCrm.AppHost;

/// <summary>
/// The system's secrets, as Aspire parameters: generated on first run and kept in the AppHost's
/// user secrets (so F5 needs no set-up), prompted for or supplied as inputs when deployed.
/// Google sign-in and the AI key are optional: empty means "not configured".
/// </summary>
internal sealed record CrmParameters(
    IResourceBuilder<ParameterResource> IngestApiKey,
    IResourceBuilder<ParameterResource> VendorSigningSecret,
    IResourceBuilder<ParameterResource> GoogleClientId,
    IResourceBuilder<ParameterResource> GoogleClientSecret,
    IResourceBuilder<ParameterResource> AiApiKey,
    IResourceBuilder<ParameterResource> OpsKey,
    IResourceBuilder<ParameterResource> VendorApiKey)
{
    public static CrmParameters Add(IDistributedApplicationBuilder builder) => new(
        Generated(builder, "ingest-api-key"),
        Generated(builder, "vendor-signing-secret"),
        Optional(builder, "google-client-id", secret: false),
        Optional(builder, "google-client-secret", secret: true),
        Optional(builder, "ai-api-key", secret: true),
        Generated(builder, "ops-key"),
        // The messaging vendor's API key, which the Workers present on every delivery request.
        Generated(builder, "vendor-api-key"));

    private static IResourceBuilder<ParameterResource> Generated(IDistributedApplicationBuilder builder, string name) =>
        builder.AddParameter(name, new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: true);

    private static IResourceBuilder<ParameterResource> Optional(IDistributedApplicationBuilder builder, string name, bool secret) =>
        builder.AddParameter(name, () => builder.Configuration[$"Parameters:{name}"] ?? "", publishValueAsDefault: false, secret: secret);
}
