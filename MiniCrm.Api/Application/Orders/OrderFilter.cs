using MiniCrm.Core.Segments;
using Npgsql;
using NpgsqlTypes;

namespace MiniCrm.Api.Application.Orders;

/// <summary>
/// The filters of the list and of its CSV, read and checked once: a customer, a status, and order dates from
/// (inclusive) until (exclusive), as a query (the list's) and as SQL over <c>orders o</c> (the download's).
/// </summary>
public sealed record OrderFilter(Guid? Customer, OrderStatus? Status, DateTimeOffset? From, DateTimeOffset? To)
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
