using System.Net;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using MiniCrm.Api.Application.Consent;
using MiniCrm.Api.Auth;
using MiniCrm.Api.Http;
using MiniCrm.Core.Consent;
using Npgsql;
using NpgsqlTypes;

namespace MiniCrm.Api.Apis;

/// <summary>
/// Consent. A marketer unsubscribes or resubscribes a customer; a customer unsubscribes through the signed
/// link of a message (<c>{{unsubscribe_url}}</c>), without signing in: the link's page asks to confirm
/// (so a mail scanner that follows links unsubscribes nobody), the confirmation — or a one-click POST as
/// mail clients send it (RFC 8058) — unsubscribes. A link whose signature does not hold changes nothing.
/// </summary>
public static class ConsentApi
{
    public static IEndpointRouteBuilder MapConsentApi(this IEndpointRouteBuilder app)
    {
        var customers = app.MapGroup("/api/customers/{id:guid}").WithTags("Customers").RequireAuthorization(CrmAuthentication.MarketerPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        customers.MapPost("/unsubscribe", async (Guid id, HttpContext context, ConsentChanges consent, CancellationToken ct) =>
                (await consent.UnsubscribeAsync(id, ct)).NoContentOrProblem(context))
            .WithSummary("Unsubscribe a customer: they are in no audience from now on").ProducesProblem(StatusCodes.Status403Forbidden);
        customers.MapPost("/resubscribe", async (Guid id, HttpContext context, ConsentChanges consent, CancellationToken ct) =>
                (await consent.ResubscribeAsync(id, ct)).NoContentOrProblem(context))
            .WithSummary("Resubscribe a customer (when they asked to be messaged again)").ProducesProblem(StatusCodes.Status403Forbidden);
        customers.MapGet("/consent", async Task<Results<Ok<List<ConsentEventView>>, NotFound>> (Guid id, CrmDbContext db, ConsentChanges consent, CancellationToken ct) =>
                await db.Customers.AnyAsync(c => c.Id == id, ct) ? TypedResults.Ok(await consent.HistoryAsync(id, ct)) : TypedResults.NotFound())
            .WithSummary("A customer's consent history, oldest first: each unsubscribe and resubscribe, how and by whom");

        var link = app.MapGroup(UnsubscribeLinks.Path).WithTags("Consent").AllowAnonymous().RequireRateLimiting(AbuseLimits.UnsubscribeLink).ExcludeFromDescription();
        link.MapGet("/{token}", Confirm);
        link.MapPost("/{token}", Unsubscribe);
        return app;
    }

    private static async Task<ContentHttpResult> Confirm(string token, CrmDbContext db, IOptions<ConsentOptions> consent, CancellationToken ct)
    {
        if (token == UnsubscribeLinks.TestToken)
        {
            return TestLink();
        }

        if (UnsubscribeLinks.Verify(token, consent.Value.LinkSigningKey) is not { } customer || await EmailOfAsync(db, customer, ct) is not { } email)
        {
            return Invalid();
        }

        return Page(StatusCodes.Status200OK, "Unsubscribe?",
            $"""
            <p>Stop campaign messages to <strong>{WebUtility.HtmlEncode(Mask(email))}</strong>?</p>
            <form method="post"><button type="submit">Unsubscribe</button></form>
            """);
    }

    private static async Task<ContentHttpResult> Unsubscribe(string token, ConsentChanges changes, IOptions<ConsentOptions> consent, CancellationToken ct)
    {
        if (token == UnsubscribeLinks.TestToken)
        {
            return TestLink();
        }

        if (UnsubscribeLinks.Verify(token, consent.Value.LinkSigningKey) is not { } customer || !(await changes.UnsubscribeByLinkAsync(customer, ct)).Succeeded)
        {
            return Invalid();
        }

        return Page(StatusCodes.Status200OK, "You are unsubscribed", "<p>You will get no more campaign messages from us. We are sorry to see you go.</p>");
    }

    private static async Task<string?> EmailOfAsync(CrmDbContext db, Guid customer, CancellationToken ct) =>
        (await db.ListAsync("SELECT email FROM customers WHERE id = @id", [new NpgsqlParameter("id", NpgsqlDbType.Uuid) { Value = customer }], r => r.GetString(0), ct))
        .FirstOrDefault();

    /// <summary>Enough of the address for its owner to recognise it, not enough to harvest it.</summary>
    private static string Mask(string email)
    {
        var at = email.IndexOf('@');
        return at <= 1 ? email : email[0] + new string('•', Math.Min(at - 1, 6)) + email[at..];
    }

    private static ContentHttpResult TestLink() =>
        Page(StatusCodes.Status200OK, "A test message's link", "<p>This is where the unsubscribe link of a test message leads: it unsubscribes no one. In a campaign, each customer's message carries a link of their own.</p>");

    private static ContentHttpResult Invalid() =>
        Page(StatusCodes.Status400BadRequest, "This link does not work", "<p>The link is not complete or not one of ours. Copy the whole link from the message and try again.</p>");

    private static ContentHttpResult Page(int status, string title, string body) => TypedResults.Content(
        $$"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · MiniCRM</title>
        <style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#1f2933}
        button{font:inherit;padding:.6rem 1.2rem;border:0;border-radius:.4rem;background:#1d4ed8;color:#fff;cursor:pointer}
        button:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}</style></head>
        <body><main><h1>{{title}}</h1>{{body}}</main></body></html>
        """, "text/html; charset=utf-8", statusCode: status);
}
