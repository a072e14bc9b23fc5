namespace MiniCrm.Api.Application;

/// <summary>Why an operation did not give its value; each kind is one HTTP status (see <c>Http/ResultHttp</c>).</summary>
public enum ProblemKind
{
    /// <summary>Fields to fix (400), each named by its path, e.g. <c>rules.rules[1].value</c>.</summary>
    Validation,

    /// <summary>The caller's role does not allow it (403); the problem names the role that does.</summary>
    Forbidden,

    /// <summary>No such record (404).</summary>
    NotFound,

    /// <summary>Not possible in the record's state, or someone else's request got there first (409).</summary>
    Conflict,

    /// <summary>Understood but refused: nothing was made (422).</summary>
    Unprocessable,

    /// <summary>Something it depends on did not answer; nothing was changed (503).</summary>
    Unavailable,

    /// <summary>Over a rate limit (429).</summary>
    TooMany,
}
