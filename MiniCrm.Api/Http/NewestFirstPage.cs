using MiniCrm.Core.Segments;
using Npgsql;

namespace MiniCrm.Api.Http;

/// <summary>
/// A page of a table newest first (created_at DESC, id DESC, or another time column: <c>column</c>) by keyset: the ids
/// are found in SQL (a row comparison over uuids, which LINQ does not express), the rows loaded by id, the cursor made
/// from the last.
/// </summary>
internal static class NewestFirstPage
{
    public static async Task<Result<Page<TView>>> ReadAsync<TEntity, TView>(
        CrmDbContext db, IQueryable<TEntity> rows, string table, int? limit, string? cursor,
        Func<TEntity, Guid> id, Func<TEntity, DateTimeOffset> createdAt, Func<TEntity, TView> view, CancellationToken ct,
        IReadOnlyList<string>? conditions = null, IReadOnlyList<NpgsqlParameter>? parameters = null, string column = "created_at")
        where TEntity : class
    {
        var take = Paging.Clamp(limit);
        var where = new List<string>(conditions ?? []);
        var values = new List<NpgsqlParameter>(parameters ?? []);
        if (cursor is not null)
        {
            if (!KeysetCursor.TryNewestFirst(cursor, values, out var after, column))
            {
                return CrmProblem.Invalid(new FieldError("cursor", "Not a cursor this API returned."));
            }

            where.Add(after);
        }

        var filter = where.Count == 0 ? "" : "WHERE " + string.Join(" AND ", where);
        var ids = await db.ListAsync($"SELECT id FROM {table} {filter} ORDER BY {column} DESC, id DESC LIMIT {take + 1}", values, r => r.GetGuid(0), ct);
        var page = ids.Take(take).ToList();
        var loaded = await rows.AsNoTracking().Where(e => page.Contains(EF.Property<Guid>(e, "Id"))).ToListAsync(ct);
        var ordered = loaded.OrderByDescending(createdAt).ThenByDescending(id).ToList();
        var next = ids.Count > take ? KeysetCursor.NewestFirst(createdAt(ordered[^1]), id(ordered[^1])) : null;
        return new Page<TView>([.. ordered.Select(view)], next);
    }
}
