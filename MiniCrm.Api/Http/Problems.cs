using Microsoft.AspNetCore.Http.HttpResults;
using MiniCrm.Core.Segments;

namespace MiniCrm.Api.Http;

internal static class Problems
{
    /// <summary>RFC 7807 validation problem: <c>errors</c> maps each field path to its messages.</summary>
    public static ValidationProblem Validation(params IEnumerable<FieldError> errors) =>
        TypedResults.ValidationProblem(ByField(errors), title: CrmProblem.InvalidTitle);

    /// <summary>The same 400 validation problem, typed as a plain problem for helpers shared by endpoints of different result types.</summary>
    public static ProblemHttpResult InvalidBody(params IEnumerable<FieldError> errors) =>
        TypedResults.Problem(new HttpValidationProblemDetails(ByField(errors)) { Status = StatusCodes.Status400BadRequest, Title = CrmProblem.InvalidTitle });

    private static Dictionary<string, string[]> ByField(IEnumerable<FieldError> errors) => CrmProblem.Invalid(errors).FieldErrors.ToDictionary();

    /// <summary>The answer to new work while the system drains for an orderly stop.</summary>
    public static ProblemHttpResult Stopping(HttpContext context) =>
        Unavailable("MiniCRM is stopping; nothing in this request was accepted. Send it again once MiniCRM is back.", 30, context);

    public static ProblemHttpResult Unavailable(string detail, int retryAfterSeconds, HttpContext? context)
    {
        context?.Response.Headers.RetryAfter = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Try again shortly", detail: detail);
    }
}
