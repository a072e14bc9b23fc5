using System.Globalization;
using Microsoft.AspNetCore.Localization;
using MiniCrm.Api.Web.Support;

namespace MiniCrm.Api.Web;

/// <summary>
/// The marketer's web app: Razor components rendered by the Api, interactive over the server's circuit, so
/// F5 serves the whole product with no npm build. Pages call the same operations as the endpoints.
/// </summary>
public static class WebAppExtensions
{
    public static void AddWebApp(this IHostApplicationBuilder builder)
    {
        // In Development MapStaticAssets would add a catch-all {**path:file} endpoint for files added after the build:
        // it says nothing about who may call it and matches every path. Files come from the build's manifest only.
        builder.Configuration["DisableStaticAssetNotFoundRuntimeFallback"] ??= "true";
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddScoped<Microsoft.AspNetCore.Components.Authorization.AuthenticationStateProvider, Support.SessionRevalidation>();
        builder.Services.AddScoped<CrmOperations>();
        builder.Services.AddHttpContextAccessor(); // only for the address a circuit was opened from
        builder.Services.AddScoped<BrowserClock>();
        // Numbers and dates as the browser's language writes them (Accept-Language), for any culture .NET knows.
        builder.Services.Configure<RequestLocalizationOptions>(options =>
        {
            var cultures = CultureInfo.GetCultures(CultureTypes.SpecificCultures | CultureTypes.NeutralCultures)
                .Where(c => c.Name.Length > 0).ToArray();
            options.DefaultRequestCulture = new RequestCulture("en-US");
            options.SupportedCultures = cultures;
            options.SupportedUICultures = cultures;
            options.RequestCultureProviders = [new AcceptLanguageHeaderRequestCultureProvider()];
        });
    }

    /// <summary>A page address that does not exist shows the app's own not-found page; the Api's 404s stay problems.</summary>
    public static void UseWebAppNotFoundPage(this WebApplication app) =>
        app.UseWhen(context => IsPageRequest(context.Request),
            branch => branch.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true));

    public static void MapWebApp(this WebApplication app)
    {
        app.MapStaticAssets().AllowAnonymous();
        // Pages and the circuit's hub need a signed-in marketer; the sign-in page says [AllowAnonymous] itself.
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode().RequireAuthorization(MiniCrm.Api.Auth.CrmAuthentication.MarketerPolicy);
    }

    /// <summary>A page (not the Api, not a script) asked for without a session: sent to sign in, coming back after.</summary>
    public static bool IsPageRequest(HttpRequest request) =>
        HttpMethods.IsGet(request.Method) && !request.Path.StartsWithSegments("/api") && !request.Path.StartsWithSegments("/_blazor") &&
        request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);
}
