using Microsoft.AspNetCore.Http.HttpResults;

namespace MiniCrm.Api.Http;

/// <summary>
/// An operation's <see cref="Result{T}"/> as HTTP, in one place: the value as 200/201/202/204, a problem as its status
/// (validation 400 with <c>errors</c> by field path, not allowed for the caller's role 403 with <c>neededRole</c>, not found 404, conflict 409, refused 422, too many 429, unavailable
/// 503, with Retry-After where it says when), and a replayed answer marked <c>Idempotent-Replayed</c>.
/// </summary>
internal static class ResultHttp
{
    public static Results<Ok<T>, ValidationProblem> OkOrInvalid<T>(this Result<T> result) =>
        result.Problem is { } problem ? Invalid(problem) : TypedResults.Ok(result.Value);

    public static Results<Ok<T>, NotFound> OkOrNotFound<T>(this Result<T> result) =>
        result.Problem is { Kind: ProblemKind.NotFound } ? TypedResults.NotFound() : TypedResults.Ok(result.Value);

    public static Results<Ok<T>, NotFound, ValidationProblem> OkOrMissing<T>(this Result<T> result) => result.Problem switch
    {
        null => TypedResults.Ok(result.Value),
        { Kind: ProblemKind.NotFound } => TypedResults.NotFound(),
        var problem => Invalid(problem),
    };

    public static Results<Ok<T>, NotFound, ProblemHttpResult> OkOrProblem<T>(this Result<T> result, HttpContext context) => result.Problem switch
    {
        null => TypedResults.Ok(result.Value),
        { Kind: ProblemKind.NotFound } => TypedResults.NotFound(),
        var problem => Problem(problem, context),
    };

    public static Results<Ok<T>, ValidationProblem, ProblemHttpResult> OkOrRefused<T>(this Result<T> result, HttpContext context) => result.Problem switch
    {
        null => Replayed(result, context, TypedResults.Ok(result.Value)),
        { Kind: ProblemKind.Validation } problem => Invalid(problem),
        var problem => Problem(problem, context),
    };

    public static Results<Ok<T>, NotFound, ValidationProblem, ProblemHttpResult> Answer<T>(this Result<T> result, HttpContext context) => result.Problem switch
    {
        null => TypedResults.Ok(result.Value),
        { Kind: ProblemKind.NotFound } => TypedResults.NotFound(),
        { Kind: ProblemKind.Validation } problem => Invalid(problem),
        var problem => Problem(problem, context),
    };

    public static Results<Created<T>, ValidationProblem, ProblemHttpResult> Created<T>(this Result<T> result, HttpContext context, Func<T, string> location) => result.Problem switch
    {
        null => Replayed(result, context, TypedResults.Created(location(result.Value!), result.Value)),
        { Kind: ProblemKind.Validation } problem => Invalid(problem),
        var problem => Problem(problem, context),
    };

    public static Results<Accepted<T>, ValidationProblem, ProblemHttpResult> Accepted<T>(this Result<T> result, HttpContext context) => result.Problem switch
    {
        null => Replayed(result, context, TypedResults.Accepted((string?)null, result.Value)),
        { Kind: ProblemKind.Validation } problem => Invalid(problem),
        var problem => Problem(problem, context),
    };

    public static Results<NoContent, ValidationProblem, ProblemHttpResult> NoContent(this Result<Done> result, HttpContext context) => result.Problem switch
    {
        null => TypedResults.NoContent(),
        { Kind: ProblemKind.Validation } problem => Invalid(problem),
        var problem => Problem(problem, context),
    };

    public static Results<NoContent, NotFound, ProblemHttpResult> NoContentOrProblem(this Result<Done> result, HttpContext context) => result.Problem switch
    {
        null => TypedResults.NoContent(),
        { Kind: ProblemKind.NotFound } => TypedResults.NotFound(),
        var problem => Problem(problem, context),
    };

    /// <summary>Any problem as its problem details (a validation problem keeps its <c>errors</c>).</summary>
    public static ProblemHttpResult Problem(CrmProblem problem, HttpContext? context)
    {
        if (problem.RetryAfterSeconds is { } seconds)
        {
            context?.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return problem.Kind == ProblemKind.Validation
            ? TypedResults.Problem(new HttpValidationProblemDetails(problem.FieldErrors.ToDictionary()) { Status = StatusCodes.Status400BadRequest, Title = problem.Title })
            : TypedResults.Problem(statusCode: StatusOf(problem.Kind), title: problem.Title, detail: problem.Detail,
                extensions: problem.NeededRole is { } role ? new Dictionary<string, object?> { ["neededRole"] = role.ToString().ToUpperInvariant() } : null);
    }

    private static ValidationProblem Invalid(CrmProblem problem) =>
        TypedResults.ValidationProblem(problem.FieldErrors.ToDictionary(), detail: problem.Detail, title: problem.Title);

    private static TAnswer Replayed<T, TAnswer>(Result<T> result, HttpContext context, TAnswer answer) =>
        result.Replayed ? Idempotency.Replayed(context, answer) : answer;

    private static int StatusOf(ProblemKind kind) => kind switch
    {
        ProblemKind.Validation => StatusCodes.Status400BadRequest,
        ProblemKind.Forbidden => StatusCodes.Status403Forbidden,
        ProblemKind.NotFound => StatusCodes.Status404NotFound,
        ProblemKind.Conflict => StatusCodes.Status409Conflict,
        ProblemKind.Unprocessable => StatusCodes.Status422UnprocessableEntity,
        ProblemKind.TooMany => StatusCodes.Status429TooManyRequests,
        _ => StatusCodes.Status503ServiceUnavailable,
    };
}
