using System.Text.Json;
using MiniCrm.Api.Http;
using MiniCrm.Core.Messaging;
using MiniCrm.Core.Segments;
using Npgsql;

namespace MiniCrm.Api.Application.Ingestion;

/// <summary>
/// Validates orders: their own fields, their items (total = quantity × unit price), and that the customer exists, by
/// id or by email, resolved in bulk. An order id that is stored already is a new version of that order (a new
/// status, new items): accepted when it names the same customer, and applied by the Workers if it is later in the
/// order's lifecycle (<see cref="OrderLifecycle"/>). Each version is stamped with its <c>updatedAt</c> (the
/// source's, or now) and a submission id.
/// </summary>
public sealed class OrderIntake(CrmDbContext db, TimeProvider clock)
{
    public const int MaxItems = 100;

    private static readonly Dictionary<string, OrderStatus> Statuses = new(StringComparer.Ordinal)
    {
        ["PENDING"] = OrderStatus.Pending,
        ["COMPLETED"] = OrderStatus.Completed,
        ["CANCELLED"] = OrderStatus.Cancelled,
        ["REFUNDED"] = OrderStatus.Refunded,
    };

    private sealed record Candidate(int Index, string OrderId, Guid? CustomerId, string? CustomerEmail, decimal Amount,
        OrderStatus Status, DateTimeOffset OrderDate, DateTimeOffset UpdatedAt, List<OrderLineSubmitted> Items);

    public async Task<Intake<OrderSubmitted>> ValidateAsync(IReadOnlyList<JsonElement> items, CancellationToken ct)
    {
        var rejected = new List<RejectedItem>();
        var candidates = new List<Candidate>();
        // To the microsecond, as PostgreSQL keeps it: versions compare the same in the Workers and in the table.
        var now = clock.GetUtcNow();
        now = now.AddTicks(-(now.UtcTicks % 10));
        var submissions = Uuid7.Create(items.Count, now);

        for (var i = 0; i < items.Count; i++)
        {
            var errors = new List<FieldError>();
            var reader = new FieldReader(items[i], "", errors);
            if (!reader.IsObject)
            {
                rejected.Add(new RejectedItem(i, "item", "Must be an object: {\"orderId\", \"customerId\" or \"customerEmail\", \"amount\", \"status\", \"items\"}."));
                continue;
            }

            var orderId = reader.String("orderId", required: true, 100);
            var customerId = reader.Guid("customerId");
            var customerEmail = reader.String("customerEmail", required: false, 320)?.ToLowerInvariant();
            if (customerId is null && customerEmail is null && !errors.Any(e => e.Field.StartsWith("customer")))
            {
                reader.Error("customerId", "Name the customer by customerId or customerEmail.");
            }

            var amount = reader.Money("amount", required: true);
            var statusText = reader.String("status", required: true, 20);
            OrderStatus status = default;
            if (statusText is not null && !Statuses.TryGetValue(statusText, out status))
            {
                reader.Error("status", "Must be one of PENDING, COMPLETED, CANCELLED, REFUNDED.");
            }

            var orderDate = reader.Timestamp("orderDate") ?? now;
            if (orderDate > now.AddDays(1))
            {
                reader.Error("orderDate", "Is in the future.");
            }

            var updatedAt = reader.Timestamp("updatedAt") ?? now;
            updatedAt = updatedAt.AddTicks(-(updatedAt.UtcTicks % 10));
            if (updatedAt > now.AddDays(1))
            {
                reader.Error("updatedAt", "Is in the future.");
            }

            var lines = new List<OrderLineSubmitted>();
            if (reader.Array("items") is { } itemsJson)
            {
                var count = itemsJson.GetArrayLength();
                if (count == 0)
                {
                    reader.Error("items", "An order has at least one item.");
                }
                else if (count > MaxItems)
                {
                    reader.Error("items", $"An order has at most {MaxItems} items.");
                }
                else
                {
                    var j = 0;
                    foreach (var line in itemsJson.EnumerateArray())
                    {
                        var lineReader = new FieldReader(line, $"items[{j++}]", errors);
                        if (!lineReader.IsObject)
                        {
                            errors.Add(new FieldError($"items[{j - 1}]", "Must be an object: {\"name\", \"quantity\", \"unitPrice\"}."));
                            continue;
                        }

                        var name = lineReader.String("name", required: true, 200);
                        var quantity = lineReader.PositiveInteger("quantity", 1_000_000);
                        var unitPrice = lineReader.Money("unitPrice", required: true);
                        var total = lineReader.Money("total", required: false);
                        if (total is not null && quantity is not null && unitPrice is not null && total != quantity * unitPrice)
                        {
                            lineReader.Error("total", $"Must equal quantity × unitPrice ({quantity * unitPrice}).");
                        }

                        if (quantity is not null && unitPrice is not null && quantity * unitPrice > FieldReader.MaxMoney)
                        {
                            lineReader.Error("quantity", $"quantity × unitPrice must be at most {FieldReader.MaxMoney:0.00}; this item's total is {quantity * unitPrice:0.00}.");
                        }
                        else if (name is not null && quantity is not null && unitPrice is not null)
                        {
                            lines.Add(new OrderLineSubmitted(name, quantity.Value, unitPrice.Value));
                        }
                    }
                }
            }

            if (errors.Count > 0)
            {
                rejected.AddRange(errors.Select(e => new RejectedItem(i, e.Field, e.Message)));
                continue;
            }

            candidates.Add(new Candidate(i, orderId!, customerId, customerEmail, amount!.Value, status, orderDate, updatedAt, lines));
        }

        var orderIds = candidates.Select(c => c.OrderId).Distinct().ToList();
        var storedOwners = (await db.ListAsync(
            "SELECT o.id, o.customer_id FROM unnest(@ids) AS k(id), LATERAL (SELECT id, customer_id FROM orders WHERE id = k.id LIMIT 1) o",
            [new NpgsqlParameter<string[]>("ids", [.. orderIds])], r => (Id: r.GetString(0), Customer: r.GetGuid(1)), ct)).ToDictionary(o => o.Id, o => o.Customer);
        var ids = candidates.Where(c => c.CustomerId is not null).Select(c => c.CustomerId!.Value).Distinct().ToList();
        var emails = candidates.Where(c => c.CustomerId is null).Select(c => c.CustomerEmail!).Distinct().ToList();
        // An id may be an alias (a raced duplicate's id): the order goes to the customer it names.
        var knownIds = (await db.ListAsync(
            """
            SELECT k.id, coalesce(c.id, a.customer_id) FROM unnest(@ids) AS k(id)
            LEFT JOIN LATERAL (SELECT id FROM customers WHERE id = k.id LIMIT 1) c ON true
            LEFT JOIN LATERAL (SELECT customer_id FROM customer_aliases WHERE id = k.id LIMIT 1) a ON c.id IS NULL
            WHERE c.id IS NOT NULL OR a.customer_id IS NOT NULL
            """,
            [new NpgsqlParameter<Guid[]>("ids", [.. ids])], r => (Id: r.GetGuid(0), Customer: r.GetGuid(1)), ct)).ToDictionary(k => k.Id, k => k.Customer);
        var byEmail = (await db.ListAsync(
            "SELECT c.email, c.id FROM unnest(@emails) AS k(email), LATERAL (SELECT email, id FROM customers WHERE email = k.email LIMIT 1) c",
            [new NpgsqlParameter<string[]>("emails", [.. emails])], r => (Email: r.GetString(0), Id: r.GetGuid(1)), ct))
            .ToDictionary(c => c.Email, c => c.Id);

        var accepted = new List<(int, string, OrderSubmitted)>();
        var seen = new Dictionary<string, int>();
        foreach (var c in candidates)
        {
            Guid? customer = c.CustomerId is { } id ? (knownIds.TryGetValue(id, out var known) ? known : null) : (byEmail.TryGetValue(c.CustomerEmail!, out var byMail) ? byMail : null);
            if (seen.TryGetValue(c.OrderId, out var first))
            {
                rejected.Add(new RejectedItem(c.Index, "orderId", $"Repeats the order id of item {first}."));
            }
            else if (customer is null)
            {
                rejected.Add(new RejectedItem(c.Index, c.CustomerId is null ? "customerEmail" : "customerId", "No such customer."));
            }
            else if (storedOwners.TryGetValue(c.OrderId, out var owner) && owner != customer)
            {
                rejected.Add(new RejectedItem(c.Index, c.CustomerId is null ? "customerEmail" : "customerId",
                    "This order belongs to another customer; an order cannot move to another customer."));
            }
            else
            {
                seen[c.OrderId] = c.Index;
                accepted.Add((c.Index, customer.Value.ToString(),
                    new OrderSubmitted(c.OrderId, customer.Value, c.Amount, c.Status, c.OrderDate, c.Items, c.UpdatedAt, submissions[c.Index])));
            }
        }

        return new Intake<OrderSubmitted>(accepted, [.. rejected.OrderBy(r => r.Index)]);
    }
}
