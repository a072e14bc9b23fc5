using System.Globalization;
using MiniCrm.Api.Http;
using MiniCrm.Core.Segments;

namespace MiniCrm.Api.Application.Orders;

/// <summary>Orders newest first, filtered as the list and its CSV are (<see cref="OrderFilter"/>).</summary>
public sealed class OrderQueries(CrmDbContext db)
{
    public async Task<Result<Page<OrderView>>> ListAsync(OrderListQuery filter, CancellationToken ct)
    {
        var (limit, cursor, customerId, status, from, to) = filter;
        var errors = new List<FieldError>();
        var query = OrderFilter.Read(customerId, status, from, to, errors).Apply(db.Orders.AsNoTracking());

        if (cursor is not null)
        {
            if (KeysetCursor.TryDecode(cursor, out var value, out var afterId) &&
                DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var afterDate))
            {
                afterDate = afterDate.ToUniversalTime(); // timestamptz parameters are UTC
                query = query.Where(o => o.OrderDate < afterDate || (o.OrderDate == afterDate && string.Compare(o.Id, afterId) < 0));
            }
            else
            {
                errors.Add(new FieldError("cursor", "Not a cursor this API returned."));
            }
        }

        if (errors.Count > 0)
        {
            return CrmProblem.Invalid(errors);
        }

        var take = Paging.Clamp(limit);
        var rows = await query.OrderByDescending(o => o.OrderDate).ThenByDescending(o => o.Id)
            .Take(take + 1).Include(o => o.Items).ToListAsync(ct);
        string? next = null;
        if (rows.Count > take)
        {
            rows.RemoveAt(take);
            next = KeysetCursor.Encode(rows[^1].OrderDate.ToString("O", CultureInfo.InvariantCulture), rows[^1].Id);
        }

        return new Page<OrderView>([.. rows.Select(OrderView.From)], next);
    }

    /// <summary>The names of the customers of a page of orders, by id.</summary>
    public async Task<IReadOnlyDictionary<Guid, string>> CustomerNamesAsync(IEnumerable<Guid> ids, CancellationToken ct)
    {
        var wanted = ids.Distinct().ToList();
        return await db.Customers.AsNoTracking().Where(c => wanted.Contains(c.Id)).ToDictionaryAsync(c => c.Id, c => c.Name, ct);
    }
}
