namespace MiniCrm.Api.Http;

/// <summary>
/// Cross-site request forgery, refused before anything runs: a request that changes something (any method but
/// GET, HEAD, OPTIONS and TRACE), and every request to the pages' hub (<c>/_blazor</c>, whose circuit acts as the
/// marketer), must not come from another site. Browsers say where a request comes from (<c>Sec-Fetch-Site</c>,
/// <c>Origin</c>); SameSite=Lax cookies still travel from a same-site origin (another port, a sibling subdomain), and
/// a request without a body passes no content-type check, so the origin is what is checked. Clients that are not
/// browsers (curl, the vendor, Ingest) send neither header and are judged by their credentials alone.
/// </summary>
internal static class SameOriginWrites
{
    public const string Title = "Cross-site request refused";

    public static IApplicationBuilder UseSameOriginWrites(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var request = context.Request;
        var changes = !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method) || HttpMethods.IsTrace(request.Method));
        if ((changes || request.Path.StartsWithSegments("/_blazor")) && IsFromAnotherSite(request))
        {
            await TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: Title,
                detail: "This request came from another site; MiniCRM takes changes only from its own pages and from API clients.").ExecuteAsync(context);
            return;
        }

        await next(context);
    });

    /// <summary>Whether the browser says the request comes from a page of another origin than this site's.</summary>
    public static bool IsFromAnotherSite(HttpRequest request)
    {
        if (request.Headers["Sec-Fetch-Site"].ToString() is "cross-site" or "same-site")
        {
            return true;
        }

        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0)
        {
            return false; // no browser's cross-origin request: browsers send Origin on every one that changes something
        }

        // The authority only (host and port as the browser addressed it): behind a proxy that ends TLS the scheme differs.
        return !Uri.TryCreate(origin, UriKind.Absolute, out var from) ||
               !string.Equals(from.IsDefaultPort ? from.Host : from.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
    }
}
