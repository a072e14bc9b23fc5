using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace MiniCrm.ServiceDefaults.Operations;

/// <summary>
/// An endpoint that machines call with a credential of their own (an API key, a signature, the
/// operations key) instead of a marketer's session. It is open to the authorization middleware, so the
/// endpoint itself must check <see cref="Credential"/>; the endpoint map lists it as such.
/// </summary>
public sealed record MachineAccess(string Credential);

/// <summary>One mapped endpoint and who may call it, as <c>GET /ops/endpoints</c> lists them.</summary>
public sealed record EndpointAccessView(string Pattern, IReadOnlyList<string> Methods, string Access);

public static class EndpointAccess
{
    /// <summary>Marks an endpoint as called by machines with <paramref name="credential"/>, which the endpoint checks.</summary>
    public static TBuilder RequireMachineCredential<TBuilder>(this TBuilder endpoint, string credential) where TBuilder : IEndpointConventionBuilder =>
        endpoint.WithMetadata(new MachineAccess(credential)).AllowAnonymous();

    /// <summary>A filter that lets a request in only with the operations key (the AppHost's ops-key parameter) in <see cref="DrainEndpoints.KeyHeader"/>.</summary>
    public static TBuilder RequireOperationsKey<TBuilder>(this TBuilder endpoint, string? configuredKey) where TBuilder : IEndpointConventionBuilder
    {
        endpoint.RequireMachineCredential($"{DrainEndpoints.KeyHeader} (the ops-key parameter)");
        endpoint.AddEndpointFilter(async (context, next) =>
            SharedKey.Matches(configuredKey, context.HttpContext.Request.Headers[DrainEndpoints.KeyHeader].ToString())
                ? await next(context)
                : TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Operations key required",
                    detail: $"Send the AppHost's operations key in {DrainEndpoints.KeyHeader}."));
        return endpoint;
    }

    /// <summary>Who may call each mapped endpoint: a policy, a machine credential, anonymous, or (not allowed) nothing said.</summary>
    public static IEnumerable<EndpointAccessView> Describe(EndpointDataSource endpoints) =>
        endpoints.Endpoints.OfType<RouteEndpoint>().Select(e =>
        {
            var machine = e.Metadata.GetMetadata<MachineAccess>();
            var policies = e.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy ?? a.AuthenticationSchemes ?? "authenticated").ToList();
            var access = machine is not null ? $"machine: {machine.Credential}"
                : e.Metadata.GetMetadata<IAllowAnonymous>() is not null ? "anonymous"
                : policies.Count > 0 ? "policy: " + string.Join(", ", policies)
                : "unspecified";
            return new EndpointAccessView(e.RoutePattern.RawText ?? "", e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? [], access);
        });
}
