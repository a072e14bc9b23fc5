using System.Net.Mail;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.Google;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using MiniCrm.Api.Http;
using MiniCrm.Core.Segments;
using MiniCrm.Core.Text;

namespace MiniCrm.Api.Auth;

/// <summary>The signed-in marketer, as <c>GET /api/me</c> answers.</summary>
public sealed record Me(string Id, string? Email, string? Name, string? Avatar, string SignInMethod, string? Phone = null, Role Role = Role.Analyst);

/// <summary>The marketer's own phone for test texts: 10 digits, or null to take it away.</summary>
public sealed record MyPhone(string? Phone = null);

/// <summary>Which sign-ins this Api offers, for a sign-in page.</summary>
public sealed record SignInMethods(bool Google, bool Development);

/// <summary>Who to sign in as, in Development.</summary>
public sealed record DevelopmentSignInRequest(
    [property: System.ComponentModel.DataAnnotations.Required, System.ComponentModel.Description("any email address")] string? Email = null,
    [property: System.ComponentModel.Description("optional: the name to show")] string? Name = null,
    [property: System.ComponentModel.Description("optional: Admin (the default), Marketer or Analyst")] string? Role = null);

/// <summary>
/// Marketers sign in with Google (Microsoft.AspNetCore.Authentication.Google) and keep a cookie
/// session; machines use credentials of their own (<see cref="MiniCrm.ServiceDefaults.Operations.MachineAccess"/>).
/// Every endpoint needs a signed-in marketer unless it says otherwise (the fallback policy).
/// </summary>
public static partial class CrmAuthentication
{
    public const string MarketerPolicy = "Marketer";
    public const string UserIdClaim = "minicrm:user_id";
    public const string MethodClaim = "minicrm:sign_in_method";
    public const string RoleClaim = "minicrm:role";
    public const string CookieName = "minicrm.session";
    private const string HostedDomainClaim = "urn:google:hd";

    public static void AddCrmAuthentication(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SignInOptions>().BindConfiguration(SignInOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        var settings = builder.Configuration.GetSection(SignInOptions.SectionName).Get<SignInOptions>() ?? new();
        var development = builder.Environment.IsDevelopment();
        // The keys that protect the session cookie (and the web app's antiforgery tokens) are kept in crmdb, not in the
        // container's file system: a restart or a new deployment keeps everyone signed in, and replicas read each other's cookies.
        builder.Services.AddDataProtection().SetApplicationName("MiniCrm").PersistKeysToDbContext<CrmDbContext>();
        builder.Services.PostConfigure<Microsoft.AspNetCore.DataProtection.KeyManagement.KeyManagementOptions>(keys =>
            keys.XmlRepository = new UntracedXmlRepository(keys.XmlRepository!));

        var authentication = builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(cookie =>
            {
                cookie.Cookie.Name = CookieName;
                cookie.Cookie.HttpOnly = true;
                // Lax: sent on the top-level return from Google, never on another site's POST or fetch.
                cookie.Cookie.SameSite = SameSiteMode.Lax;
                cookie.Cookie.SecurePolicy = development ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
                cookie.ExpireTimeSpan = TimeSpan.FromMinutes(settings.SessionMinutes);
                cookie.SlidingExpiration = true;
                // An API answers 401/403 with a problem; only pages are sent to sign in.
                cookie.Events.OnRedirectToLogin = context => MiniCrm.Api.Web.WebAppExtensions.IsPageRequest(context.Request)
                    ? SendToSignIn(context)
                    : Refuse(context, StatusCodes.Status401Unauthorized, "Sign-in required",
                    "Sign in first: GET /auth/signin/google (or the development sign-in).");
                cookie.Events.OnRedirectToAccessDenied = context => Refuse(context, StatusCodes.Status403Forbidden, "Not allowed", "This account may not do that.");
                // A session ends when its user signs out anywhere: a copied cookie stops working too.
                cookie.Events.OnValidatePrincipal = async context =>
                {
                    if (context.Principal is { } principal &&
                        !await context.HttpContext.RequestServices.GetRequiredService<SessionStamps>().IsCurrentAsync(principal, context.HttpContext.RequestAborted))
                    {
                        context.RejectPrincipal();
                        await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
                    }
                };
            });

        if (settings.Google.IsConfigured)
        {
            authentication.AddGoogle(google =>
            {
                google.ClientId = settings.Google.ClientId;
                google.ClientSecret = settings.Google.ClientSecret;
                google.AuthorizationEndpoint = settings.Google.AuthorizationEndpoint ?? google.AuthorizationEndpoint;
                google.TokenEndpoint = settings.Google.TokenEndpoint ?? google.TokenEndpoint;
                google.UserInformationEndpoint = settings.Google.UserInformationEndpoint ?? google.UserInformationEndpoint;
                google.ClaimActions.MapJsonKey("urn:google:picture", "picture");
                google.ClaimActions.MapJsonKey("urn:google:email_verified", "email_verified");
                google.ClaimActions.MapJsonKey(HostedDomainClaim, "hd");
                // Lax: Google comes back with a top-level GET, which carries Lax cookies; None would need HTTPS even on F5.
                google.CorrelationCookie.SameSite = SameSiteMode.Lax;
                google.CorrelationCookie.SecurePolicy = development ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
                google.Events.OnTicketReceived = OnGoogleTicketAsync;
                google.Events.OnRemoteFailure = OnGoogleFailureAsync;
            });
        }

        builder.Services.AddAuthorization(authorization =>
        {
            authorization.AddPolicy(MarketerPolicy, policy => policy
                .AddAuthenticationSchemes(CookieAuthenticationDefaults.AuthenticationScheme)
                .RequireAuthenticatedUser()
                .RequireClaim(UserIdClaim));
            authorization.FallbackPolicy = authorization.GetPolicy(MarketerPolicy);
        });
        builder.Services.AddScoped<UserDirectory>();
        builder.Services.AddMemoryCache();
        builder.Services.AddSingleton<SessionStamps>();
    }

    public static void MapAuthEndpoints(this WebApplication app)
    {
        var settings = app.Services.GetRequiredService<IOptions<SignInOptions>>().Value;
        var developmentSignIn = app.Environment.IsDevelopment() && settings.DevelopmentSignIn;
        if (settings.Google.IsConfigured && settings.AllowedEmailDomains.Length == 0)
        {
            if (!app.Environment.IsDevelopment() && !settings.AllowAnyGoogleAccount)
            {
                throw new InvalidOperationException(
                    "Google sign-in is configured but Authentication:AllowedEmailDomains is empty, so every Google account could sign in to this CRM. " +
                    "Set Authentication:AllowedEmailDomains:0=<your company's domain>, or Authentication:AllowAnyGoogleAccount=true to allow every account on purpose.");
            }

            LogOpenToEveryGoogleAccount(app.Logger);
        }

        if (settings.Google.IsConfigured && settings.Admins.Length == 0 && !app.Environment.IsDevelopment())
        {
            LogNoAdmins(app.Logger);
        }

        if (settings.Google.RequireHostedDomain && settings.AllowedEmailDomains.Length == 0)
        {
            throw new InvalidOperationException(
                "Authentication:Google:RequireHostedDomain is true but Authentication:AllowedEmailDomains is empty: no Google Workspace domain could sign in. " +
                "Set Authentication:AllowedEmailDomains:0=<your company's domain>.");
        }

        var auth = app.MapGroup("/auth").WithTags("Sign-in").AllowAnonymous();
        auth.MapGet("/methods", () => TypedResults.Ok(new SignInMethods(settings.Google.IsConfigured, developmentSignIn)))
            .WithSummary("Which sign-ins this Api offers");
        auth.MapGet("/signin/google", Results<ChallengeHttpResult, ProblemHttpResult> (string? returnUrl) => settings.Google.IsConfigured
                ? TypedResults.Challenge(new AuthenticationProperties { RedirectUri = LocalUrl.OrRoot(returnUrl) }, [GoogleDefaults.AuthenticationScheme])
                : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Google sign-in is not configured",
                    detail: "Set the AppHost parameters google-client-id and google-client-secret (README: Google sign-in)."))
            .WithSummary("Starts Google sign-in; comes back to returnUrl (a path on this site)")
            .RequireRateLimiting(AbuseLimits.SignIn);
        auth.MapPost("/signout", async (HttpContext context, SessionStamps sessions, UserDirectory users, Access access, CancellationToken ct) =>
            {
                if ((await context.AuthenticateAsync(CookieAuthenticationDefaults.AuthenticationScheme)).Principal is { } principal &&
                    principal.FindFirstValue(UserIdClaim) is { } userId)
                {
                    await sessions.EndAllAsync(userId, users, ct);
                    access.Use(Caller.Of(principal, context));
                    await access.RecordAsync(Operations.SignOut, userId, null, ct);
                }

                await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
                return TypedResults.NoContent();
            })
            .WithSummary("Ends every session of the signed-in user (this browser's, and any other, within 20 seconds)");

        if (developmentSignIn)
        {
            // Exists only in the Development environment: in any other, the route is not there at all.
            auth.MapPost("/development/signin", DevelopmentSignInAsync)
                .WithSummary("DEVELOPMENT ONLY: sign in as any email, without a password")
                .RequireRateLimiting(AbuseLimits.SignIn).WithBodyLimit(4 * 1024)
                .ProducesValidationProblem();
        }

        app.MapGet("/api/me", async Task<Results<Ok<Me>, ProblemHttpResult>> (ClaimsPrincipal principal, UserDirectory users, CancellationToken ct) =>
            {
                var user = await users.FindAsync(principal.FindFirstValue(UserIdClaim)!, ct);
                return user is null
                    ? TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Sign-in required", detail: "The account of this session no longer exists.")
                    : TypedResults.Ok(new Me(user.Id, user.Email, user.Name, user.Avatar, principal.FindFirstValue(MethodClaim) ?? "google", user.Phone, user.Role));
            })
            .WithTags("Sign-in")
            .WithSummary("The signed-in marketer")
            .RequireAuthorization(MarketerPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        app.MapPut("/api/me/phone", async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> (MyPhone body, HttpContext context, UserDirectory users, Access access, CancellationToken ct) =>
            {
                var errors = new List<FieldError>();
                var phone = ReadPhone(body.Phone, errors);
                if (errors.Count > 0)
                {
                    return Problems.Validation(errors);
                }

                if (!await users.SetPhoneAsync(context.User.UserId(), phone, ct))
                {
                    return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Sign-in required", detail: "The account of this session no longer exists.");
                }

                await access.RecordAsync(Operations.SetOwnPhone, context.User.UserId(), phone is null ? "removed" : "set", ct);
                return TypedResults.NoContent();
            })
            .WithTags("Sign-in")
            .WithSummary("Sets the signed-in marketer's own phone, where a test text to them goes ({\"phone\": null} takes it away)")
            .RequireAuthorization(MarketerPolicy)
            .WithBodyLimit(1024)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized);
    }

    /// <summary>A phone as 10 digits ("98765 43210" and "+91 …" read too), or null to take it away.</summary>
    public static string? ReadPhone(string? phone, List<FieldError> errors)
    {
        if (phone is null)
        {
            return null;
        }

        var problem = StoredText.Problem(phone);
        var digits = problem is null ? CustomerIntake.TenDigitPhone(phone) : null;
        if (digits is null)
        {
            errors.Add(new FieldError("phone", problem ?? "Must be 10 digits, such as 98765 43210."));
        }

        return digits;
    }

    /// <summary>The signed-in marketer's id: a campaign's creator is this, never a field of the request.</summary>
    public static string UserId(this ClaimsPrincipal principal) =>
        principal.FindFirstValue(UserIdClaim) ?? throw new InvalidOperationException("The endpoint is not behind the Marketer policy.");

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> DevelopmentSignInAsync(
        DevelopmentSignInRequest request, HttpContext context, UserDirectory users, SessionStamps sessions, Access access, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        var email = TextField.Read(request.Email, "email", errors, required: false, 320)?.ToLowerInvariant();
        var name = TextField.Read(request.Name, "name", errors, required: false, 200);
        if (email is null || !MailAddress.TryCreate(email, out var address) || address.Address != email)
        {
            errors.Add(new FieldError("email", "Must be an email address."));
        }

        var role = request.Role is null ? Role.Admin : TeamMembers.ReadRole(request.Role, errors);
        if (email is not null && context.RequestServices.GetRequiredService<IOptions<SignInOptions>>().Value.IsAdmin(email))
        {
            role = Role.Admin; // an admin by configuration is one however they sign in
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        if (await users.IsRemovedAsync(null, email!, ct))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Sign-in refused", detail: RemovedDetail(email!));
        }

        var user = await users.UpsertDevelopmentAsync(email!, name, role!.Value, ct);
        if (user is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Account signs in with Google",
                detail: "This email belongs to an account that signs in with Google; the development sign-in does not take it over.");
        }

        sessions.Forget(user.Id); // a new role gave the account a new stamp
        await SignInAsync(context, user, "development", access, ct);
        return TypedResults.NoContent();
    }

    private static async Task OnGoogleTicketAsync(TicketReceivedContext context)
    {
        var principal = context.Principal!;
        var googleId = principal.FindFirstValue(ClaimTypes.NameIdentifier);
        var email = principal.FindFirstValue(ClaimTypes.Email)?.ToLowerInvariant();
        var verified = principal.FindFirstValue("urn:google:email_verified");
        var settings = context.HttpContext.RequestServices.GetRequiredService<IOptions<SignInOptions>>().Value;
        // Refusing here must answer and mark the request handled: a failure set on this context is
        // ignored by the handler, which would then sign the raw Google principal in.
        if (googleId is null || email is null || string.Equals(verified, "false", StringComparison.OrdinalIgnoreCase))
        {
            await RefuseSignInAsync(context, "Google did not confirm this account's email address.");
            return;
        }

        if (!settings.AllowsEmail(email))
        {
            await RefuseSignInAsync(context,
                $"Accounts of {email[(email.LastIndexOf('@') + 1)..]} may not sign in to this CRM; ask an administrator to add the domain to Authentication:AllowedEmailDomains.");
            return;
        }

        if (settings.Google.RequireHostedDomain && !settings.AllowsDomain(principal.FindFirstValue(HostedDomainClaim)))
        {
            await RefuseSignInAsync(context,
                "This CRM takes only Google Workspace accounts of the company's domain, and Google did not say this account is one; sign in with your work account.");
            return;
        }

        var services = context.HttpContext.RequestServices;
        var directory = services.GetRequiredService<UserDirectory>();
        if (await directory.IsRemovedAsync(googleId, email, context.HttpContext.RequestAborted))
        {
            await RefuseSignInAsync(context, RemovedDetail(email));
            return;
        }

        var user = await directory.UpsertGoogleAsync(googleId, email, principal.FindFirstValue(ClaimTypes.Name) ?? email,
            principal.FindFirstValue("urn:google:picture"), settings.IsAdmin(email), settings.FirstRole(email), context.HttpContext.RequestAborted);
        if (user is null)
        {
            await RefuseSignInAsync(context, $"{email} is not on this CRM's team yet: ask an admin to add it on the Team page.");
            return;
        }

        context.Principal = Principal(user, "google");
        var access = services.GetRequiredService<Access>();
        access.Use(Caller.Of(context.Principal, context.HttpContext));
        await access.RecordAsync(Operations.SignIn, user.Id, "google", context.HttpContext.RequestAborted);
    }

    /// <summary>Starts a session for <paramref name="user"/> and records the sign-in.</summary>
    private static async Task SignInAsync(HttpContext context, User user, string method, Access access, CancellationToken ct)
    {
        var principal = Principal(user, method);
        await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, principal);
        access.Use(Caller.Of(principal, context));
        await access.RecordAsync(Operations.SignIn, user.Id, method, ct);
    }

    private static string RemovedDetail(string email) =>
        $"{email} was removed from this CRM's team; an admin can add it back on the Team page.";

    private static async Task RefuseSignInAsync(TicketReceivedContext context, string detail)
    {
        context.HandleResponse();
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        await TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Sign-in refused", detail: detail).ExecuteAsync(context.HttpContext);
    }

    /// <summary>A tampered or expired state, Google saying no: a problem, never an exception page.</summary>
    private static async Task OnGoogleFailureAsync(RemoteFailureContext context)
    {
        context.HandleResponse();
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        await TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Sign-in refused",
            detail: "Google sign-in did not complete (the sign-in state was missing, expired or altered, or Google refused); start again at /auth/signin/google.").ExecuteAsync(context.HttpContext);
    }

    private static ClaimsPrincipal Principal(User user, string method) => new(new ClaimsIdentity(
        [
            new Claim(UserIdClaim, user.Id),
            new Claim(ClaimTypes.NameIdentifier, user.Id),
            new Claim(ClaimTypes.Name, user.Name ?? user.Email ?? user.Id),
            new Claim(ClaimTypes.Email, user.Email ?? ""),
            new Claim(MethodClaim, method),
            new Claim(SessionStamps.Claim, user.SessionStamp),
            new Claim(RoleClaim, user.Role.ToString()),
        ],
        CookieAuthenticationDefaults.AuthenticationScheme));

    private static Task SendToSignIn(RedirectContext<CookieAuthenticationOptions> context)
    {
        var back = context.Request.PathBase + context.Request.Path + context.Request.QueryString;
        context.Response.Redirect($"/signin?returnUrl={Uri.EscapeDataString(back)}");
        return Task.CompletedTask;
    }

    private static Task Refuse(RedirectContext<CookieAuthenticationOptions> context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        return TypedResults.Problem(statusCode: status, title: title, detail: detail).ExecuteAsync(context.HttpContext);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Authentication:Admins is empty: only accounts made admins before (on the Team page) can give roles; set it to your first admins' emails.")]
    private static partial void LogNoAdmins(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Google sign-in is open to every Google account: set Authentication:AllowedEmailDomains to your company's domains.")]
    private static partial void LogOpenToEveryGoogleAccount(ILogger logger);
}
