using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using MiniCrm.Api.Auth;

namespace MiniCrm.Api.Http;

/// <summary>
/// What keeps one caller from exhausting the Api for everyone: rate limits per marketer, key or
/// address (429 + Retry-After), request-body limits per endpoint (413), and the security headers.
/// </summary>
public static class AbuseLimits
{
    public const string SignIn = "sign-in";
    public const string UnsubscribeLink = "unsubscribe-link";
    public const string Preview = "preview";
    public const string Launch = "launch";
    public const string Ai = "ai";
    public const string Ingestion = "ingestion";
    public const string Receipts = "receipts";

    public static void AddAbuseLimits(this IServiceCollection services)
    {
        services.AddSingleton<MarketerLimits>();
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = async (context, ct) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 60;
                context.HttpContext.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
                await TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests",
                    detail: $"This limit allows a set number of requests a minute; try again in {retryAfter} s.").ExecuteAsync(context.HttpContext);
            };
            // Per client address: behind a proxy, the client's (ForwardedClients), never the proxy's.
            Add(limiter, SignIn, o => o.SignInPerMinute, context => "address:" + context.Connection.RemoteIpAddress);
            // Per link: a recipient's unsubscribe link has a bucket of its own, so nobody's requests (bad links included) use up
            // a recipient's or a marketer's; the token is signed, so guessing links is no use.
            Add(limiter, UnsubscribeLink, o => o.SignInPerMinute,
                context => Hashed("link:", context.Request.RouteValues["token"]?.ToString() ?? ""));
            Add(limiter, Receipts, o => o.ReceiptsPerMinute, context => "address:" + context.Connection.RemoteIpAddress);
            Add(limiter, Preview, o => o.PreviewPerMinute, Marketer);
            Add(limiter, Launch, o => o.LaunchPerMinute, Marketer);
            Add(limiter, Ai, o => o.AiPerMinute, Marketer);
            // Keyed by a hash of the presented key, never the key itself.
            Add(limiter, Ingestion, o => o.IngestionPerMinute,
                context => Hashed("key:", context.Request.Headers[ApiKeyFilter.HeaderName].ToString()));
        });
    }

    /// <summary>Refuses bodies larger than <paramref name="bytes"/> with 413 before they are read.</summary>
    public static TBuilder WithBodyLimit<TBuilder>(this TBuilder endpoint, long bytes) where TBuilder : IEndpointConventionBuilder =>
        endpoint.WithMetadata(new RequestSizeLimitAttribute(bytes));

    /// <summary>
    /// Headers every answer carries: no sniffing, no framing, no referrer leaks, and a CSP that allows only this site's
    /// own scripts. Only the API reference (<c>/scalar</c>, Development) needs inline script and its CDN, and gets them.
    /// </summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
        headers.ContentSecurityPolicy = context.Request.Path.StartsWithSegments("/scalar") ? ApiReferencePolicy : PagePolicy;
        await next();
    });

    public const string PagePolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; connect-src 'self'; " +
        "frame-ancestors 'none'; base-uri 'self'; form-action 'self' https://accounts.google.com; object-src 'none'";

    private const string ApiReferencePolicy =
        "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; " +
        "font-src 'self' https://fonts.gstatic.com data:; img-src 'self' data: https:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

    /// <summary>A partition named by a hash of a credential, never the credential itself.</summary>
    private static string Hashed(string prefix, string secret) =>
        prefix + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret)))[..16];

    private static string Marketer(HttpContext context) => "user:" + (context.User.FindFirstValue(CrmAuthentication.UserIdClaim) ?? context.Connection.RemoteIpAddress?.ToString());

    private static void Add(Microsoft.AspNetCore.RateLimiting.RateLimiterOptions limiter, string name, Func<RateLimitOptions, int> permits, Func<HttpContext, string> partition) =>
        limiter.AddPolicy(name, context =>
        {
            var perMinute = permits(context.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value);
            return RateLimitPartition.GetTokenBucketLimiter(partition(context), _ => Bucket(perMinute));
        });

    /// <summary>A minute's permits at once, refilled a twelfth every five seconds; nothing queues.</summary>
    internal static TokenBucketRateLimiterOptions Bucket(int perMinute) => new()
    {
        TokenLimit = perMinute,
        TokensPerPeriod = Math.Max(1, perMinute / 12),
        ReplenishmentPeriod = TimeSpan.FromSeconds(5),
        QueueLimit = 0,
        AutoReplenishment = true,
    };
}
