using System.Text.Json;
using MiniCrm.Core.Messaging;
using Npgsql;
using NpgsqlTypes;

namespace MiniCrm.Api.Application.Idempotency;

/// <summary>
/// <c>Idempotency-Key</c> on every create, as the IETF draft describes it: the first request with a key claims it,
/// and its answer is recorded in the same transaction as what it created; a repeat of the same request gets that
/// answer again and creates nothing; the same key with a different request is a 422; a repeat while the first is
/// still running is a 409. A claim whose request failed without creating anything is released, so the key can be
/// used again; one left by a crash expires after a minute. Keys are kept for a day, per owner. A claim is fenced by
/// the time it was made: a request that outlived its minute, whose key a repeat then claimed, cannot record its answer
/// (<see cref="IdempotencyClaimLostException"/>, which rolls back what it created) nor release the repeat's claim.
/// </summary>
public sealed class IdempotencyKeys(NpgsqlDataSource database)
{
    private const string Claim = """
        WITH expired AS (
            DELETE FROM idempotency_keys WHERE owner = @owner AND key <> @key AND created_at < now() - interval '24 hours'
        )
        INSERT INTO idempotency_keys AS k (owner, key, fingerprint, created_at) VALUES (@owner, @key, @fingerprint, now())
        ON CONFLICT (owner, key) DO UPDATE SET fingerprint = excluded.fingerprint, created_at = excluded.created_at, status = NULL, response = NULL
            WHERE k.created_at < now() - interval '24 hours' OR (k.status IS NULL AND k.created_at < now() - interval '1 minute')
        RETURNING k.created_at
        """;

    public async Task<IdempotencyClaim> ClaimAsync(IdempotentRequest request, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            await using (var claim = database.CreateCommand(Claim))
            {
                AddKey(claim, request);
                claim.Parameters.Add(new NpgsqlParameter("fingerprint", NpgsqlDbType.Bytea) { Value = request.Fingerprint });
                if (await claim.ExecuteScalarAsync(ct) is DateTime claimedAt)
                {
                    request.ClaimedAt = claimedAt;
                    return new IdempotencyClaim(ClaimState.New);
                }
            }

            await using var read = database.CreateCommand("SELECT fingerprint, status, response::text FROM idempotency_keys WHERE owner = @owner AND key = @key");
            AddKey(read, request);
            await using var reader = await read.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct))
            {
                // Released between the two statements: claim it again.
                continue;
            }

            var fingerprint = reader.GetFieldValue<byte[]>(0);
            return !fingerprint.AsSpan().SequenceEqual(request.Fingerprint) ? new IdempotencyClaim(ClaimState.Reused)
                : reader.IsDBNull(1) ? new IdempotencyClaim(ClaimState.Busy)
                : new IdempotencyClaim(ClaimState.Replay, reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetString(2));
        }
    }

    /// <summary>Records the answer, in the transaction of <paramref name="db"/> that created what it describes.</summary>
    public async Task CompleteAsync(CrmDbContext db, IdempotentRequest request, int status, object response, CancellationToken ct)
    {
        await using var command = await db.CommandAsync(Complete, [], ct);
        AddAnswer(command, request, status, response);
        Recorded(await command.ExecuteNonQueryAsync(ct));
    }

    /// <summary>Records the answer of a request whose work is not in the database (it is in Kafka, or at the vendor).</summary>
    public async Task CompleteAsync(IdempotentRequest request, int status, object response, CancellationToken ct)
    {
        await using var command = database.CreateCommand(Complete);
        AddAnswer(command, request, status, response);
        Recorded(await command.ExecuteNonQueryAsync(ct));
    }

    private static void Recorded(int rows)
    {
        if (rows != 1)
        {
            throw new IdempotencyClaimLostException();
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> for a request that claimed its key (or has none): the claim is released when the
    /// work throws, or when its answer <paramref name="kept"/> says nothing was created (a validation problem), so the
    /// key can be used again.
    /// </summary>
    public async Task<T> GuardAsync<T>(IdempotentRequest? request, Func<Task<T>> work, Func<T, bool> kept)
    {
        T answer;
        try
        {
            answer = await work();
        }
        catch
        {
            await ReleaseAsync(request, CancellationToken.None);
            throw;
        }

        if (!kept(answer))
        {
            await ReleaseAsync(request, CancellationToken.None);
        }

        return answer;
    }

    /// <summary>
    /// A create run once per key: a repeat of a completed request gets its first answer again (<see cref="Result{T}.Replayed"/>),
    /// a key used for another request or whose first request still runs gets its problem; otherwise <paramref name="create"/>
    /// runs guarded (<see cref="GuardAsync{T}"/>) and records its answer itself. Without a key it just runs.
    /// </summary>
    public async Task<Result<T>> OnceAsync<T>(IdempotentRequest? request, Func<Task<Result<T>>> create, CancellationToken ct)
    {
        if (request is not null)
        {
            var claim = await ClaimAsync(request, ct);
            if (claim.State != ClaimState.New)
            {
                return claim.State == ClaimState.Replay && claim.Answer<T>() is { } first ? Result<T>.Again(first) : Refusal(claim.State);
            }
        }

        return await GuardAsync(request, create, created => created.Succeeded);
    }

    /// <summary>A key that cannot be used for this request: used for another one (422), or its first request is still running (409).</summary>
    public static CrmProblem Refusal(ClaimState state) => state == ClaimState.Reused
        ? CrmProblem.Unprocessable("This Idempotency-Key was used for another request",
            "A key stands for one request: send a new key with a new request. Nothing was created.")
        : CrmProblem.Conflict("The first request with this Idempotency-Key is still running",
            "Send it again in a moment to get its answer. Nothing new was created.", retryAfterSeconds: 1);

    /// <summary>The request failed and created nothing: the key may be used again.</summary>
    public async Task ReleaseAsync(IdempotentRequest? request, CancellationToken ct)
    {
        if (request?.ClaimedAt is null)
        {
            return;
        }

        await using var command = database.CreateCommand(
            "DELETE FROM idempotency_keys WHERE owner = @owner AND key = @key AND status IS NULL AND created_at = @claimed");
        AddKey(command, request);
        AddClaim(command, request);
        await command.ExecuteNonQueryAsync(ct);
    }

    private const string Complete = """
        UPDATE idempotency_keys SET status = @status, response = @response::jsonb
        WHERE owner = @owner AND key = @key AND status IS NULL AND created_at = @claimed
        """;

    private static void AddAnswer(NpgsqlCommand command, IdempotentRequest request, int status, object response)
    {
        AddKey(command, request);
        AddClaim(command, request);
        command.Parameters.Add(new NpgsqlParameter("status", NpgsqlDbType.Integer) { Value = status });
        command.Parameters.Add(new NpgsqlParameter("response", NpgsqlDbType.Text) { Value = JsonSerializer.Serialize(response, response.GetType(), MessageJson.Options) });
    }

    private static void AddClaim(NpgsqlCommand command, IdempotentRequest request) =>
        command.Parameters.Add(new NpgsqlParameter("claimed", NpgsqlDbType.TimestampTz) { Value = request.ClaimedAt ?? throw new InvalidOperationException("The key was not claimed.") });

    private static void AddKey(NpgsqlCommand command, IdempotentRequest request)
    {
        command.Parameters.Add(new NpgsqlParameter("owner", NpgsqlDbType.Varchar) { Value = request.Owner });
        command.Parameters.Add(new NpgsqlParameter("key", NpgsqlDbType.Varchar) { Value = request.Key });
    }
}
