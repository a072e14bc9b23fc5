namespace MiniCrm.Api.Application;

/// <summary>
/// What an application operation gives: its value, or the problem that stopped it. <see cref="Replayed"/> marks the
/// first answer given again for a repeated Idempotency-Key. Endpoints turn it into HTTP in one place
/// (<c>Http/ResultHttp</c>); pages show it.
/// </summary>
public readonly record struct Result<T>
{
    private Result(T? value, CrmProblem? problem, bool replayed)
    {
        Value = value;
        Problem = problem;
        Replayed = replayed;
    }

    public T? Value { get; }

    public CrmProblem? Problem { get; }

    public bool Replayed { get; }

    public bool Succeeded => Problem is null;

    public static Result<T> Of(T value) => new(value, null, false);

    public static Result<T> Again(T value) => new(value, null, true);

    public static Result<T> Fail(CrmProblem problem) => new(default, problem, false);

    public static implicit operator Result<T>(T value) => Of(value);

    public static implicit operator Result<T>(CrmProblem problem) => Fail(problem);
}

/// <summary>An operation that gives nothing but success (a delete, a check).</summary>
public readonly record struct Done;
