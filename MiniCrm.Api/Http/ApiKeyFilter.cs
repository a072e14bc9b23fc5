using MiniCrm.ServiceDefaults.Operations;

namespace MiniCrm.Api.Http;

/// <summary>Ingestion endpoints take the key in <c>X-Api-Key</c>; it is the AppHost's ingest-api-key parameter.</summary>
internal static class ApiKeyFilter
{
    public const string HeaderName = "X-Api-Key";

    public static RouteHandlerBuilder RequireIngestionApiKey(this RouteHandlerBuilder endpoint) =>
        endpoint.AddEndpointFilter(async (context, next) =>
        {
            var configured = context.HttpContext.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<IngestionOptions>>().Value.ApiKey;
            var presented = context.HttpContext.Request.Headers[HeaderName].ToString();
            if (!SharedKey.Matches(configured, presented))
            {
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status401Unauthorized,
                    title: "API key required",
                    detail: $"Send the ingestion API key in the {HeaderName} header.");
            }

            return await next(context);
        })
        .ProducesProblem(StatusCodes.Status401Unauthorized)
        .RequireMachineCredential($"{HeaderName} (the ingest-api-key parameter)");
}
