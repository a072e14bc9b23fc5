namespace MiniCrm.Api.Application.Team;

/// <summary>
/// The caller of this scope's operations, checked and recorded in one place: an endpoint's request sets it from its
/// session (Http/CallerOfRequest), a page's operation from the circuit's (Web/Support/CrmOperations). An operation the
/// caller's role does not allow is refused before it reads anything (403, naming the role needed); one that succeeds is
/// appended to the audit trail with who, what, which record, when and from where.
/// </summary>
public sealed partial class Access(IServiceProvider services, ILogger<Access> logger)
{
    public Caller Caller { get; private set; } = Caller.Nobody;

    public void Use(Caller caller) => Caller = caller;

    /// <summary>Null when the caller may do <paramref name="operation"/>; otherwise the refusal, naming the role it needs.</summary>
    public CrmProblem? Refuse(Operation operation) => Caller.May(operation) ? null : CrmProblem.Forbidden(operation, Caller.Role);

    /// <summary>
    /// Runs <paramref name="work"/> if the caller may do <paramref name="operation"/>, and records it when it succeeds (not
    /// when a repeated Idempotency-Key only answered the first time again): the record is <paramref name="recordId"/>, or
    /// read from the result by <paramref name="recordOf"/> (a launch's new campaign).
    /// </summary>
    public async Task<Result<T>> RunAsync<T>(Operation operation, object? recordId, Func<Task<Result<T>>> work, CancellationToken ct,
        Func<T, object?>? recordOf = null, Func<T, string?>? detailOf = null)
    {
        if (Refuse(operation) is { } refused)
        {
            return refused;
        }

        var result = await work();
        if (result is { Succeeded: true, Replayed: false })
        {
            await RecordAsync(operation, recordOf is null ? recordId : recordOf(result.Value!), detailOf?.Invoke(result.Value!), ct);
        }

        return result;
    }

    /// <summary>
    /// Appends <paramref name="operation"/> by the caller to the audit trail. Written after the change it records (most
    /// changes are single statements of their own); should the database fail in between, the change stands, the
    /// request answers that the database failed, and the gap is logged with what it missed.
    /// </summary>
    public async Task RecordAsync(Operation operation, object? recordId, string? detail, CancellationToken ct)
    {
        if (!operation.Audited || Caller.UserId is null)
        {
            return;
        }

        var record = recordId?.ToString();
        var role = (Caller.Role ?? Role.Analyst).ToString().ToUpperInvariant();
        var clipped = detail is { Length: > 1000 } ? detail[..1000] : detail;
        var quiet = (operation.RecordedOncePer ?? TimeSpan.Zero).TotalSeconds;
        try
        {
            // The scope's DbContext, asked for only here: most requests record nothing.
            await services.GetRequiredService<CrmDbContext>().Database.ExecuteSqlAsync(
                $"""
                INSERT INTO audit_events (user_id, user_email, role, action, record_type, record_id, address, detail)
                SELECT {Caller.UserId}, {Caller.Email}, {role}, {operation.Action}, {(record is null ? null : operation.RecordType)}, {record}, {Caller.Address}, {clipped}
                WHERE {quiet} = 0 OR NOT EXISTS (
                    SELECT 1 FROM audit_events WHERE record_id = {record} AND action = {operation.Action} AND user_id = {Caller.UserId}
                      AND at > clock_timestamp() - make_interval(secs => {quiet}))
                """, ct);
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or InvalidOperationException)
        {
            LogNotRecorded(logger, ex, operation.Action, record, Caller.UserId);
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The audit trail missed {Action} of {Record} by {User}: the change was made, its record was not written")]
    private static partial void LogNotRecorded(ILogger logger, Exception exception, string action, string? record, string user);
}
