using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using MiniCrm.Api.Auth;
using MiniCrm.ServiceDefaults.Operations;

namespace MiniCrm.Api.Http;

/// <summary>
/// The OpenAPI document names how each operation is authenticated (the marketer's session cookie,
/// the ingestion key, the vendor's signature), so a generated client and the API reference can call them.
/// </summary>
public static class OpenApiSecurity
{
    private const string Session = "session";
    private const string IngestionKey = "ingestionKey";
    private const string VendorSignature = "vendorSignature";

    public static void AddSecuritySchemes(this OpenApiOptions options)
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            // A server's address without its trailing slash: clients append paths that start with one.
            foreach (var server in document.Servers ?? [])
            {
                server.Url = server.Url?.TrimEnd('/');
            }

            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
            {
                [Session] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Cookie, Name = CrmAuthentication.CookieName,
                    Description = "A marketer's session: sign in at /auth/signin/google (or, in Development, POST /auth/development/signin).",
                },
                [IngestionKey] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Header, Name = ApiKeyFilter.HeaderName,
                    Description = "The ingestion API key (the AppHost's ingest-api-key parameter).",
                },
                [VendorSignature] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Header, Name = ReceiptSignature.HeaderName,
                    Description = "t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<body>\" with the vendor-signing-secret>; 5 minutes either way.",
                },
            };
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            var scheme = metadata.OfType<MachineAccess>().FirstOrDefault()?.Credential switch
            {
                { } credential when credential.StartsWith(ApiKeyFilter.HeaderName, StringComparison.Ordinal) => IngestionKey,
                { } credential when credential.StartsWith(ReceiptSignature.HeaderName, StringComparison.Ordinal) => VendorSignature,
                null when metadata.OfType<IAllowAnonymous>().Any() => null,
                null => Session,
                _ => null,
            };
            // An anonymous operation says so (an empty requirement: no credential), so no tool reads it as undocumented.
            operation.Security = scheme is null
                ? [new OpenApiSecurityRequirement()]
                : [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(scheme, context.Document)] = [] }];
            operation.OperationId ??= OperationIds.Of(context.Description);

            return Task.CompletedTask;
        });
    }
}
