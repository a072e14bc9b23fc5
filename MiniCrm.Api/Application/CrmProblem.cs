using MiniCrm.Core.Segments;

namespace MiniCrm.Api.Application;

/// <summary>
/// Why an operation gave no value: its kind, a title and detail in the marketer's words, the messages by field path
/// (validation), and when to try again (unavailable, too many, a key still in use).
/// </summary>
public sealed record CrmProblem(ProblemKind Kind, string Title, string? Detail = null, IReadOnlyDictionary<string, string[]>? Errors = null,
    int? RetryAfterSeconds = null, Role? NeededRole = null)
{
    public const string InvalidTitle = "The request has invalid fields.";

    public IReadOnlyDictionary<string, string[]> FieldErrors => Errors ?? new Dictionary<string, string[]>();

    public static CrmProblem Invalid(params IEnumerable<FieldError> errors) =>
        new(ProblemKind.Validation, InvalidTitle, null, errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()));

    public static CrmProblem NotFound(string what = "It may have been deleted.") => new(ProblemKind.NotFound, "Not found", what);

    public static CrmProblem Conflict(string title, string detail, int? retryAfterSeconds = null) => new(ProblemKind.Conflict, title, detail, null, retryAfterSeconds);

    public static CrmProblem Unprocessable(string title, string? detail) => new(ProblemKind.Unprocessable, title, detail);

    /// <summary>The caller's role does not allow <paramref name="operation"/>: says which role does, and where roles are given.</summary>
    public static CrmProblem Forbidden(Team.Operation operation, Role? role) =>
        new(ProblemKind.Forbidden, "Not allowed for your role",
            $"{operation.Doing} needs the {operation.Needs} role{(operation.Needs == Role.Admin ? "" : " (or Admin)")}; " +
            (role is { } r ? $"this account is {(r == Role.Marketer ? "a" : "an")} {r}." : "this session has no role: sign in again.") +
            " An admin can change roles on the Team page.",
            NeededRole: operation.Needs);

    public static CrmProblem Unavailable(string detail, int retryAfterSeconds, string title = "Try again shortly") =>
        new(ProblemKind.Unavailable, title, detail, null, retryAfterSeconds);
}
