using MiniCrm.Api.Application.Team;
using Npgsql;
using NpgsqlTypes;

namespace MiniCrm.Api.Application.Consent;

/// <summary>
/// A customer unsubscribed (by a marketer, or through their message's link: <c>via</c>) or resubscribed, each change an
/// event in <c>consent_events</c> (who, how, when), appended in the same statement that changes the customer. Unsubscribing
/// twice keeps the first time and way and adds no event; the history is never rewritten.
/// </summary>
public sealed class ConsentChanges(CrmDbContext db, Access access)
{
    public const string ByLink = "link";
    public const string ByMarketer = "marketer";

    /// <summary>Unsubscribes the customer on their behalf, as the caller (a marketer).</summary>
    public Task<Result<Done>> UnsubscribeAsync(Guid customerId, CancellationToken ct) =>
        access.RunAsync(Operations.Unsubscribe, customerId, () => UnsubscribeAsync(customerId, ByMarketer, access.Caller.Id, ct), ct);

    /// <summary>Unsubscribes the customer through their message's link (the signed token is the credential).</summary>
    public Task<Result<Done>> UnsubscribeByLinkAsync(Guid customerId, CancellationToken ct) => UnsubscribeAsync(customerId, ByLink, null, ct);

    private Task<Result<Done>> UnsubscribeAsync(Guid customerId, string via, string? byUser, CancellationToken ct) =>
        ChangeAsync(customerId, """
            WITH changed AS (
                UPDATE customers SET unsubscribed_at = clock_timestamp(), unsubscribed_via = @via
                WHERE id = @id AND unsubscribed_at IS NULL
                RETURNING id, unsubscribed_at
            )
            INSERT INTO consent_events (customer_id, change, via, by_user, at)
            SELECT id, 'UNSUBSCRIBED', @via, @by, unsubscribed_at FROM changed
            """, via, byUser, ct);

    /// <summary>Resubscribes the customer (when they asked to be messaged again), as the caller.</summary>
    public Task<Result<Done>> ResubscribeAsync(Guid customerId, CancellationToken ct) =>
        access.RunAsync(Operations.Resubscribe, customerId, () => ChangeAsync(customerId, """
            WITH changed AS (
                UPDATE customers SET unsubscribed_at = NULL, unsubscribed_via = NULL
                WHERE id = @id AND unsubscribed_at IS NOT NULL
                RETURNING id
            )
            INSERT INTO consent_events (customer_id, change, via, by_user)
            SELECT id, 'RESUBSCRIBED', @via, @by FROM changed
            """, ByMarketer, access.Caller.Id, ct), ct);

    /// <summary>The customer's consent changes, oldest first.</summary>
    public async Task<List<ConsentEventView>> HistoryAsync(Guid customerId, CancellationToken ct) =>
        await (from e in db.ConsentEvents.AsNoTracking()
               where e.CustomerId == customerId
               orderby e.Id
               join u in db.Users.AsNoTracking() on e.ByUser equals u.Id into byUsers
               from u in byUsers.DefaultIfEmpty()
               select new ConsentEventView(e.Change, e.Via, e.ByUser, u == null ? null : u.Name, e.At)).ToListAsync(ct);

    private async Task<Result<Done>> ChangeAsync(Guid id, string sql, string via, string? byUser, CancellationToken ct)
    {
        // Already in the state asked for changes nothing and is no error; a customer that does not exist is.
        if (!await db.Customers.AnyAsync(c => c.Id == id, ct))
        {
            return CrmProblem.NotFound("No customer has this id.");
        }

        await using var command = await db.CommandAsync(sql,
            [new NpgsqlParameter("id", NpgsqlDbType.Uuid) { Value = id }, new NpgsqlParameter("via", NpgsqlDbType.Varchar) { Value = via },
             new NpgsqlParameter("by", NpgsqlDbType.Varchar) { Value = (object?)byUser ?? DBNull.Value }], ct);
        await command.ExecuteNonQueryAsync(ct);
        return new Done();
    }
}
