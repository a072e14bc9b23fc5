namespace MiniCrm.Api.Http;

/// <summary>
/// Tells the request's application operations who calls them (<see cref="Access"/>): the session's user and role, and the
/// client's address. After authentication, so the session is known; an anonymous request calls as nobody.
/// </summary>
internal static class CallerOfRequest
{
    public static IApplicationBuilder UseCallers(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        context.RequestServices.GetRequiredService<Access>().Use(Caller.Of(context.User, context));
        return next(context);
    });
}
