using System.Globalization;
using System.Text.Json;
using MiniCrm.Api.Application.Orders;
using MiniCrm.Api.Http;
using MiniCrm.Core.Segments;
using Npgsql;
using NpgsqlTypes;

namespace MiniCrm.Api.Application.Customers;

/// <summary>Customers as the list, its count and a customer's page read them; the endpoints and the pages share it.</summary>
public sealed class CustomerQueries(CrmDbContext db, TimeProvider clock)
{
    private const int RecentOrders = 100;

    public async Task<Result<Page<CustomerSummary>>> ListAsync(CustomerListQuery query, CancellationToken ct)
    {
        var (limit, cursor, sort, rules, search) = query;
        var errors = new List<FieldError>();
        var bySpend = sort switch
        {
            null or "" or "createdAt" => false,
            "totalSpend" => true,
            _ => Fail(errors, "sort", "Use createdAt or totalSpend."),
        };

        var (condition, parameters) = Filter(rules, search, errors);
        var keyset = "";
        if (cursor is not null)
        {
            if (!KeysetCursor.TryDecode(cursor, out var value, out var id) || !Guid.TryParse(id, out var afterId))
            {
                errors.Add(new FieldError("cursor", "Not a cursor this API returned."));
            }
            else if (bySpend && decimal.TryParse(value, CultureInfo.InvariantCulture, out var spend))
            {
                parameters.Add(new NpgsqlParameter("after_value", NpgsqlDbType.Numeric) { Value = spend });
                parameters.Add(new NpgsqlParameter("after_id", NpgsqlDbType.Uuid) { Value = afterId });
                keyset = "AND (c.total_spend, c.id) < (@after_value, @after_id)";
            }
            else if (!bySpend && DateTime.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var created))
            {
                parameters.Add(new NpgsqlParameter("after_value", NpgsqlDbType.TimestampTz) { Value = created });
                parameters.Add(new NpgsqlParameter("after_id", NpgsqlDbType.Uuid) { Value = afterId });
                keyset = "AND (c.created_at, c.id) < (@after_value, @after_id)";
            }
            else
            {
                errors.Add(new FieldError("cursor", "Not a cursor for this sort order."));
            }
        }

        if (errors.Count > 0)
        {
            return CrmProblem.Invalid(errors);
        }

        var take = Paging.Clamp(limit);
        var order = bySpend ? "c.total_spend DESC, c.id DESC" : "c.created_at DESC, c.id DESC";
        var rows = await db.ListAsync(
            $"SELECT {SegmentQueries.CustomerColumns} FROM customers c WHERE {condition} {keyset} ORDER BY {order} LIMIT {take + 1}",
            parameters, SegmentQueries.ReadCustomer, ct);

        string? next = null;
        if (rows.Count > take)
        {
            rows.RemoveAt(take);
            var last = rows[^1];
            next = KeysetCursor.Encode(
                bySpend ? last.TotalSpend.ToString(CultureInfo.InvariantCulture) : last.CreatedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
                last.Id.ToString());
        }

        return new Page<CustomerSummary>(rows, next);
    }

    /// <summary>How many customers the list's filters (a rule group as JSON, words) select.</summary>
    public async Task<Result<CustomerCount>> CountAsync(string? rules, string? search, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        var (condition, parameters) = Filter(rules, search, errors);
        if (errors.Count > 0)
        {
            return CrmProblem.Invalid(errors);
        }

        var counted = await db.ListAsync($"SELECT count(*) FROM customers c WHERE {condition}", parameters, r => r.GetInt64(0), ct);
        return new CustomerCount(counted[0]);
    }

    /// <summary>The list's filters as SQL over <c>customers c</c>: a rule group (as JSON) and words in the name, email or phone.</summary>
    private (string Condition, List<NpgsqlParameter> Parameters) Filter(string? rules, string? search, List<FieldError> errors)
    {
        var segment = SegmentSql.Compile(RuleGroup.Everyone, clock.GetUtcNow());
        if (!string.IsNullOrWhiteSpace(rules))
        {
            try
            {
                using var json = JsonDocument.Parse(rules);
                if (RuleGroupParser.Parse(json.RootElement, errors) is { } group)
                {
                    segment = SegmentSql.Compile(group, clock.GetUtcNow());
                }
            }
            catch (JsonException ex)
            {
                errors.Add(new FieldError("rules", $"Not valid JSON: {ex.Message}"));
            }
        }

        var parameters = segment.CloneParameters().ToList();
        var conditions = new List<string> { segment.Condition };
        if (TextSearch.Add(search, ["c.name", "c.email", "c.phone"], conditions, parameters, phoneColumn: "c.phone") is { } problem)
        {
            errors.Add(problem);
        }

        return (string.Join(" AND ", conditions.Select(c => $"({c})")), parameters);
    }

    /// <summary>The customer, also by an alias id (a raced duplicate's id): the answer then carries the customer's own id.</summary>
    public async Task<Result<CustomerDetail>> GetAsync(Guid id, CancellationToken ct)
    {
        var customer = await db.Customers.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct)
            ?? await db.CustomerAliases.AsNoTracking().Where(a => a.Id == id)
                .Join(db.Customers.AsNoTracking(), a => a.CustomerId, c => c.Id, (_, c) => c).FirstOrDefaultAsync(ct);
        if (customer is null)
        {
            return CrmProblem.NotFound("No customer has this id.");
        }

        id = customer.Id;

        var orders = await db.Orders.AsNoTracking()
            .Where(o => o.CustomerId == id)
            .OrderByDescending(o => o.OrderDate).ThenByDescending(o => o.Id)
            .Take(RecentOrders)
            .Include(o => o.Items)
            .ToListAsync(ct);

        return new CustomerDetail(CustomerSummary.From(customer), [.. orders.Select(OrderView.From)]);
    }

    private static bool Fail(List<FieldError> errors, string field, string message)
    {
        errors.Add(new FieldError(field, message));
        return false;
    }

    /// <summary>
    /// One primary-key probe per campaign ((campaign_id, customer_id)), newest campaigns first: the log has no
    /// index by customer, and one would slow every campaign's fan-out of a million rows.
    /// </summary>
    public async Task<Result<IReadOnlyList<CustomerCampaignView>>> CampaignsOfAsync(Guid id, CancellationToken ct)
    {
        if (!await db.Customers.AnyAsync(c => c.Id == id, ct))
        {
            return CrmProblem.NotFound("No customer has this id.");
        }

        var rows = await db.ListAsync(
            """
            SELECT c.id, c.name, c.created_at, l.status, l.delivered_at, l.failure_reason
            FROM campaigns c
            JOIN LATERAL (SELECT status, delivered_at, failure_reason FROM communication_logs
                          WHERE campaign_id = c.id AND customer_id = @customer) l ON true
            ORDER BY c.created_at DESC, c.id DESC LIMIT 100
            """,
            [new NpgsqlParameter("customer", NpgsqlDbType.Uuid) { Value = id }],
            r => new CustomerCampaignView(r.GetGuid(0), r.GetString(1), new DateTimeOffset(r.GetFieldValue<DateTime>(2), TimeSpan.Zero),
                Enum.Parse<DeliveryStatus>(r.GetString(3).Replace("_", ""), ignoreCase: true),
                r.NullableField<DateTime>(4) is { } d ? new DateTimeOffset(d, TimeSpan.Zero) : null, r.NullableString(5)),
            ct);
        return Result<IReadOnlyList<CustomerCampaignView>>.Of(rows);
    }
}
