using Npgsql;
using NpgsqlTypes;

namespace MiniCrm.Api.Application.Consent;

/// <summary>
/// A customer unsubscribed (by a marketer, or through their message's link: <c>via</c>) or resubscribed. Unsubscribing
/// twice keeps the first time and way.
/// </summary>
public sealed class ConsentChanges(CrmDbContext db)
{
    public Task<Result<Done>> UnsubscribeAsync(Guid customerId, string via, CancellationToken ct) => SetAsync(customerId, unsubscribe: true, via, ct);

    public Task<Result<Done>> ResubscribeAsync(Guid customerId, CancellationToken ct) => SetAsync(customerId, unsubscribe: false, null, ct);

    private async Task<Result<Done>> SetAsync(Guid id, bool unsubscribe, string? via, CancellationToken ct)
    {
        await using var command = await db.CommandAsync(unsubscribe
                ? "UPDATE customers SET unsubscribed_at = coalesce(unsubscribed_at, clock_timestamp()), unsubscribed_via = coalesce(unsubscribed_via, @via) WHERE id = @id"
                : "UPDATE customers SET unsubscribed_at = NULL, unsubscribed_via = NULL WHERE id = @id",
            [new NpgsqlParameter("id", NpgsqlDbType.Uuid) { Value = id }, new NpgsqlParameter("via", NpgsqlDbType.Varchar) { Value = (object?)via ?? DBNull.Value }], ct);
        return await command.ExecuteNonQueryAsync(ct) == 1 ? new Done() : CrmProblem.NotFound("No customer has this id.");
    }
}
