using MiniCrm.Api.Auth;
using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using MiniCrm.Api.Http;
using MiniCrm.Core.Segments;
using Npgsql;
using NpgsqlTypes;

namespace MiniCrm.Api.Apis;

/// <summary>An order as it is now: <c>updatedAt</c> is when its current version was made (see POST /api/orders).</summary>
public sealed record OrderView(string Id, Guid CustomerId, DateTimeOffset OrderDate, decimal Amount, OrderStatus Status, IReadOnlyList<OrderItemView> Items,
    DateTimeOffset UpdatedAt)
{
    public static OrderView From(Order o) => new(o.Id, o.CustomerId, o.OrderDate, o.Amount, o.Status,
        [.. o.Items.OrderBy(i => i.Id).Select(i => new OrderItemView(i.Name, i.Quantity, i.UnitPrice, i.Total))], o.UpdatedAt);
}

public sealed record OrderItemView(string Name, int Quantity, decimal UnitPrice, decimal Total);

public static class OrdersApi
{
    public static IEndpointRouteBuilder MapOrdersApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/orders", ListOrders).WithTags("Orders").RequireAuthorization(CrmAuthentication.MarketerPolicy).ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithSummary("Orders, newest first, optionally of one customer, one status, or ordered from {from} until before {to}");
        app.MapGet("/api/orders.csv", DownloadOrders).WithTags("Orders").RequireAuthorization(CrmAuthentication.MarketerPolicy).ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithSummary("The orders the same filters select, as CSV, one line per item: the columns an orders import takes, and the customer's name");
        return app;
    }

    /// <param name="customerId">Only this customer's orders.</param>
    /// <param name="status">Only orders in this status.</param>
    /// <param name="from">Only orders dated at or after this time.</param>
    /// <param name="to">Only orders dated before this time.</param>
    public static async Task<Results<Ok<Page<OrderView>>, ValidationProblem>> ListOrders(
        CrmDbContext db, int? limit, string? cursor, Guid? customerId, string? status, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct)
    {
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
            return Problems.Validation(errors);
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

        return TypedResults.Ok(new Page<OrderView>([.. rows.Select(OrderView.From)], next));
    }

    /// <summary>Streamed, newest first: one line per item, the order's fields on each (as an orders import reads them back).</summary>
    public static async Task<Results<EmptyHttpResult, ValidationProblem>> DownloadOrders(
        HttpContext context, CrmDbContext db, NpgsqlDataSource database, Guid? customerId, string? status, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        var filter = OrderFilter.Read(customerId, status, from, to, errors);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var parameters = new List<NpgsqlParameter>();
        var where = filter.Sql(parameters);

        await using var connection = await database.OpenConnectionAsync(ct);
        await CsvDownload.WriteAsync(context, connection, "orders.csv",
            "orderId,customerId,customerEmail,customerName,amount,status,orderDate,updatedAt,itemName,quantity,unitPrice",
            $"""
            SELECT o.id, o.customer_id, c.email, c.name, o.amount, o.status, o.order_date, o.updated_at, i.name, i.quantity, i.unit_price
            FROM orders o JOIN customers c ON c.id = o.customer_id LEFT JOIN order_items i ON i.order_id = o.id
            WHERE {where}
            ORDER BY o.order_date DESC, o.id DESC, i.id
            """,
            parameters,
            r => [r.GetString(0), r.GetGuid(1).ToString(), r.GetString(2), r.GetString(3), r.GetDecimal(4).ToString(CultureInfo.InvariantCulture), r.GetString(5),
                  r.GetFieldValue<DateTime>(6).ToString("O", CultureInfo.InvariantCulture), r.GetFieldValue<DateTime>(7).ToString("O", CultureInfo.InvariantCulture),
                  r.IsDBNull(8) ? null : r.GetString(8), r.IsDBNull(9) ? null : r.GetInt32(9).ToString(CultureInfo.InvariantCulture),
                  r.IsDBNull(10) ? null : r.GetDecimal(10).ToString(CultureInfo.InvariantCulture)],
            ct);
        return TypedResults.Empty;
    }

    /// <summary>
    /// The filters of the list and of its CSV, read and checked once: a customer, a status, and order dates from
    /// (inclusive) until (exclusive), as a query (the list's) and as SQL over <c>orders o</c> (the download's).
    /// </summary>
    private sealed record OrderFilter(Guid? Customer, OrderStatus? Status, DateTimeOffset? From, DateTimeOffset? To)
    {
        public static OrderFilter Read(Guid? customerId, string? status, DateTimeOffset? from, DateTimeOffset? to, List<FieldError> errors)
        {
            OrderStatus? parsed = null;
            if (!string.IsNullOrEmpty(status))
            {
                if (Enum.TryParse<OrderStatus>(status, ignoreCase: true, out var s) && status.All(char.IsLetter))
                {
                    parsed = s;
                }
                else
                {
                    errors.Add(new FieldError("status", "Use PENDING, COMPLETED, CANCELLED or REFUNDED."));
                }
            }

            if (from is { } start && to is { } end && end <= start)
            {
                errors.Add(new FieldError("to", "Must come after from."));
            }

            // timestamptz parameters are UTC
            return new(customerId, parsed, from?.ToUniversalTime(), to?.ToUniversalTime());
        }

        public IQueryable<Order> Apply(IQueryable<Order> query)
        {
            if (Customer is { } customer)
            {
                query = query.Where(o => o.CustomerId == customer);
            }

            if (Status is { } status)
            {
                query = query.Where(o => o.Status == status);
            }

            if (From is { } from)
            {
                query = query.Where(o => o.OrderDate >= from);
            }

            if (To is { } to)
            {
                query = query.Where(o => o.OrderDate < to);
            }

            return query;
        }

        public string Sql(List<NpgsqlParameter> parameters)
        {
            var conditions = new List<string> { "TRUE" };
            if (Customer is { } customer)
            {
                conditions.Add("o.customer_id = @customer");
                parameters.Add(new NpgsqlParameter("customer", NpgsqlDbType.Uuid) { Value = customer });
            }

            if (Status is { } status)
            {
                conditions.Add("o.status = @status");
                parameters.Add(new NpgsqlParameter("status", NpgsqlDbType.Text) { Value = status.ToString().ToUpperInvariant() });
            }

            if (From is { } from)
            {
                conditions.Add("o.order_date >= @from");
                parameters.Add(new NpgsqlParameter("from", NpgsqlDbType.TimestampTz) { Value = from.UtcDateTime });
            }

            if (To is { } to)
            {
                conditions.Add("o.order_date < @to");
                parameters.Add(new NpgsqlParameter("to", NpgsqlDbType.TimestampTz) { Value = to.UtcDateTime });
            }

            return string.Join(" AND ", conditions);
        }
    }
}
