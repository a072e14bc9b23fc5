using MiniCrm.Api.Auth;
using MiniCrm.Api.Http;
using MiniCrm.Api.Web;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();
builder.AddWebApp();

var app = builder.Build();

app.MapDefaultEndpoints();
app.UseForwardedClients();
app.UseSecurityHeaders();
if (!app.Environment.IsDevelopment())
{
    app.UseHsts(); // on HTTPS answers (behind a proxy that ends TLS: with Network:TrustedProxies, so the scheme is known)
}

app.UseSameOriginWrites();
app.UseWebAppNotFoundPage();
// Routing after the not-found page's re-execution, so /not-found is routed when a page address matched nothing.
app.UseRouting();
app.UseAuthentication();
app.UseCallers();
app.UseAuthorization();
app.UseRateLimiter();
app.UseRequestLocalization();
app.UseAntiforgery();
app.UseJsonBodies();
app.MapAuthEndpoints();
app.MapApiDocumentation();
app.MapCrmApis();
app.MapWebApp();

app.Run();
