using Microsoft.AspNetCore.Http.HttpResults;

namespace MiniCrm.Api.Web.Services;

/// <summary>
/// What an Api operation answered, as a page shows it: the value, or the problem's title and detail with the
/// validator's messages by field (the same <c>errors</c> a curl user gets), so each is shown beside its input.
/// </summary>
public sealed record Outcome<T>(T? Value, string? Title, string? Detail, IReadOnlyDictionary<string, string[]> Errors)
{
    public bool Succeeded => Title is null;

    /// <summary>The messages for one field, e.g. <c>rules.rules[1].value</c>, joined.</summary>
    public string? ErrorFor(string field) => Errors.TryGetValue(field, out var messages) ? string.Join(" ", messages) : null;

    /// <summary>Messages whose field the page has no input for (shown at the top of the form).</summary>
    public IEnumerable<string> ErrorsOutside(IEnumerable<string> shown) =>
        Errors.Where(e => !shown.Contains(e.Key)).SelectMany(e => e.Value.Select(m => e.Key is "body" or "" ? m : $"{e.Key}: {m}"));
}

public static class Outcome
{
    private static readonly IReadOnlyDictionary<string, string[]> None = new Dictionary<string, string[]>();

    public static Outcome<T> Of<T>(T value) => new(value, null, null, None);

    public static Outcome<T> Problem<T>(string title, string? detail) => new(default, title, detail, None);

    /// <summary>Reads an endpoint's typed result: a value (200, 201, 202), a validation problem, a problem, or 404.</summary>
    public static Outcome<T> From<T>(IResult result) => (result is INestedHttpResult nested ? nested.Result : result) switch
    {
        IValueHttpResult<T> { Value: { } value } => Of(value),
        ValidationProblem validation => new(default, validation.ProblemDetails.Title ?? "Some fields need attention.", validation.ProblemDetails.Detail, validation.ProblemDetails.Errors.AsReadOnly()),
        ProblemHttpResult { ProblemDetails: HttpValidationProblemDetails details } => new(default, details.Title ?? "Some fields need attention.", details.Detail, details.Errors.AsReadOnly()),
        ProblemHttpResult problem => Problem<T>(problem.ProblemDetails.Title ?? "That did not work.", problem.ProblemDetails.Detail),
        NotFound => Problem<T>("Not found", "It may have been deleted."),
        var other => Problem<T>("That did not work.", $"The Api answered {(other as IStatusCodeHttpResult)?.StatusCode}."),
    };
}
