using Microsoft.AspNetCore.Http.HttpResults;
using MiniCrm.Core.Segments;

namespace MiniCrm.Api.Http;

internal static class Problems
{
    /// <summary>RFC 7807 validation problem: <c>errors</c> maps each field path to its messages.</summary>
    public static ValidationProblem Validation(params IEnumerable<FieldError> errors) =>
        TypedResults.ValidationProblem(
            errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()),
            title: "The request has invalid fields.");

    public static ProblemHttpResult Unavailable(string detail, int retryAfterSeconds, HttpContext context)
    {
        context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Try again shortly", detail: detail);
    }
}
