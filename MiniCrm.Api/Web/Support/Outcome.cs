namespace MiniCrm.Api.Web.Support;

/// <summary>
/// What an application operation gave, as a page shows it: the value, or the problem's title and detail with the
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

    /// <summary>An operation's result: its value, or its problem's title, detail and messages by field.</summary>
    public static Outcome<T> Read<T>(Result<T> result) => result.Problem is { } problem
        ? new(default, problem.Title, problem.Detail, problem.FieldErrors)
        : Of(result.Value!);
}
