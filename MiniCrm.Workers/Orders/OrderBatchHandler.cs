using MiniCrm.Core.Domain;
using MiniCrm.Core.Messaging;
using MiniCrm.Core.Outcomes;
using MiniCrm.Workers.Journeys;
using MiniCrm.Workers.Messaging;
using Npgsql;
using NpgsqlTypes;

namespace MiniCrm.Workers.Orders;

/// <summary>
/// Stores a batch of order versions with their items and moves the customers' aggregates by exactly what changed,
/// in one transaction. A version replaces the stored one only when it is later in the order's lifecycle
/// (<see cref="OrderLifecycle"/>: stage, then updatedAt, then submission), so a redelivered, repeated or late
/// older version changes nothing, and the result is the same whatever order the versions arrive in. Each
/// customer's total spend and visits move by (new contribution − old contribution) of the orders that changed;
/// when an order that had completed changes, the customer's last order date is read again from their orders. Customers
/// of changed orders who are in a live campaign are queued for the attribution job in the same transaction, and the journeys the
/// orders start or end (order placed, audience entered, goal met, inactivity timers) move with them (<see cref="JourneyTriggers"/>).
/// </summary>
public sealed class OrderBatchHandler(NpgsqlDataSource database, JourneyTriggers journeys) : IBatchHandler<OrderSubmitted>
{
    private static readonly string Apply = $"""
        WITH submitted AS (
            -- One version per order: the batch's latest (see Latest).
            SELECT o.*
            FROM unnest(@ids, @customers, @dates, @amounts, @statuses, @updated, @submissions)
                AS o(id, customer_id, order_date, amount, status, updated_at, submission_id)
            WHERE EXISTS (SELECT 1 FROM customers c WHERE c.id = o.customer_id)
        ), previous AS (
            -- The stored versions of the orders that exist already, as read before this statement (StoredAsync).
            SELECT * FROM unnest(@previous_ids, @previous_customers, @previous_amounts, @previous_statuses) AS p(id, customer_id, amount, status)
        ), written AS (
            INSERT INTO orders AS o (id, customer_id, order_date, amount, status, created_at, updated_at, submission_id)
            SELECT id, customer_id, order_date, amount, status, now(), updated_at, submission_id FROM submitted
            ON CONFLICT (id) DO UPDATE
                SET order_date = excluded.order_date, amount = excluded.amount, status = excluded.status,
                    updated_at = excluded.updated_at, submission_id = excluded.submission_id
                WHERE o.customer_id = excluded.customer_id
                  AND ({OrderLifecycle.StageSql("excluded.status")}, excluded.updated_at, excluded.submission_id)
                    > ({OrderLifecycle.StageSql("o.status")}, o.updated_at, o.submission_id)
            -- xmax is set on a row this statement updated (it holds the row's lock), 0 on one it inserted.
            RETURNING o.id, o.customer_id, o.order_date, o.amount, o.status, o.xmax <> 0 AS updated
        ), replaced AS (
            -- Only an order stored before has items to replace (by index: @previous_ids is the few updated ones);
            -- this sees the stored items, not those inserted below.
            DELETE FROM order_items i WHERE i.order_id = ANY(@previous_ids) AND i.order_id IN (SELECT id FROM written)
        ), items AS (
            INSERT INTO order_items (order_id, name, quantity, unit_price, total)
            SELECT i.order_id, i.name, i.quantity, i.unit_price, i.quantity * i.unit_price
            FROM unnest(@item_orders, @item_names, @item_quantities, @item_prices) AS i(order_id, name, quantity, unit_price)
            WHERE i.order_id IN (SELECT id FROM written)
        ), changes AS (
            SELECT w.customer_id,
                   CASE WHEN w.status = 'COMPLETED' THEN w.amount ELSE 0 END AS spend,
                   CASE WHEN w.status IN {OrderLifecycle.CompletedSql} THEN 1 ELSE 0 END AS visits,
                   CASE WHEN w.status IN {OrderLifecycle.CompletedSql} THEN w.order_date END AS completed_on,
                   false AS recount
            FROM written w
            UNION ALL
            SELECT p.customer_id,
                   -CASE WHEN p.status = 'COMPLETED' THEN p.amount ELSE 0 END,
                   -CASE WHEN p.status IN {OrderLifecycle.CompletedSql} THEN 1 ELSE 0 END,
                   NULL,
                   p.status IN {OrderLifecycle.CompletedSql}
            FROM previous p WHERE p.id IN (SELECT id FROM written)
        ), delta AS (
            SELECT customer_id, sum(spend) AS spend, sum(visits) AS visits, max(completed_on) AS completed_on, bool_or(recount) AS recount
            FROM changes GROUP BY customer_id
        ), moved AS (
            UPDATE customers c
            SET total_spend = c.total_spend + d.spend,
                visits = c.visits + d.visits,
                last_order_date = CASE WHEN d.recount THEN c.last_order_date ELSE GREATEST(c.last_order_date, d.completed_on) END
            FROM delta d
            WHERE c.id = d.customer_id
            RETURNING CASE WHEN d.recount THEN c.id END AS recount
        ), attributed AS (
            -- What live campaigns earned changes with these orders: their customers are recomputed (AttributionSql).
            {AttributionSql.Enqueue("written")}
        )
        SELECT recount, NULL FROM moved WHERE recount IS NOT NULL
        UNION ALL
        -- An order stored by someone else between StoredAsync and this statement: its old contribution is not in
        -- @previous_*, so the batch is taken back and tried again (it then reads and locks that version).
        SELECT NULL, w.id FROM written w WHERE w.updated AND NOT (w.id = ANY(@previous_ids))
        """;

    /// <summary>
    /// The stored versions of the batch's orders, each found by an index probe (a LATERAL subquery with LIMIT, which the
    /// planner cannot turn into a join over the whole table), locked until the batch commits.
    /// </summary>
    private const string Stored = """
        SELECT s.id, s.customer_id, o.customer_id, o.amount, o.status
        FROM unnest(@ids, @customers) AS s(id, customer_id),
             LATERAL (SELECT customer_id, amount, status FROM orders WHERE id = s.id LIMIT 1 FOR UPDATE) o
        """;

    /// <summary>An order that had completed changed (refunded, cancelled, re-dated): the latest completed date is read again.</summary>
    private static readonly string Recount = $"""
        UPDATE customers c
        SET last_order_date = (SELECT max(o.order_date) FROM orders o WHERE o.customer_id = c.id AND o.status IN {OrderLifecycle.CompletedSql})
        WHERE c.id = ANY(@customers)
        """;

    public async Task HandleAsync(IReadOnlyList<Consumed<OrderSubmitted>> batch, CancellationToken ct)
    {
        var versions = batch.Select(b => b.Message).ToList();
        if (versions.GroupBy(o => o.OrderId, StringComparer.Ordinal).FirstOrDefault(g => g.Select(o => o.CustomerId).Distinct().Count() > 1) is { } named)
        {
            throw new OrderOwnerException($"Order {named.Key} is named for more than one customer ({string.Join(", ", named.Select(o => o.CustomerId).Distinct())}).");
        }

        var orders = Latest(versions);
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var previous = await StoredAsync(connection, transaction, orders, ct);
        var customers = orders.Select(o => o.CustomerId).Distinct().ToArray();
        var triggers = await journeys.BeforeOrdersAsync(connection, transaction, customers, ct);

        var items = orders.SelectMany(o => o.Items.Select(i => (o.OrderId, Item: i))).ToList();
        var recount = new List<Guid>();
        await using (var command = new NpgsqlCommand(Apply, connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter<string[]>("ids", [.. orders.Select(o => o.OrderId)]));
            command.Parameters.Add(new NpgsqlParameter<Guid[]>("customers", [.. orders.Select(o => o.CustomerId)]));
            command.Parameters.Add(new NpgsqlParameter<DateTime[]>("dates", [.. orders.Select(o => o.OrderDate.UtcDateTime)]));
            command.Parameters.Add(new NpgsqlParameter<decimal[]>("amounts", [.. orders.Select(o => o.Amount)]));
            command.Parameters.Add(new NpgsqlParameter<string[]>("statuses", [.. orders.Select(o => StatusText(o.Status))]));
            // A message from before versions existed is the oldest version there is.
            command.Parameters.Add(new NpgsqlParameter<DateTime[]>("updated", [.. orders.Select(o => VersionTime(o).UtcDateTime)]));
            command.Parameters.Add(new NpgsqlParameter<Guid[]>("submissions", [.. orders.Select(o => o.SubmissionId)]));
            command.Parameters.Add(new NpgsqlParameter<string[]>("item_orders", [.. items.Select(i => i.OrderId)]));
            command.Parameters.Add(new NpgsqlParameter<string[]>("item_names", [.. items.Select(i => i.Item.Name)]));
            command.Parameters.Add(new NpgsqlParameter<int[]>("item_quantities", [.. items.Select(i => i.Item.Quantity)]));
            command.Parameters.Add(new NpgsqlParameter<decimal[]>("item_prices", [.. items.Select(i => i.Item.UnitPrice)]));
            command.Parameters.Add(new NpgsqlParameter<string[]>("previous_ids", [.. previous.Select(p => p.Id)]));
            command.Parameters.Add(new NpgsqlParameter<Guid[]>("previous_customers", [.. previous.Select(p => p.CustomerId)]));
            command.Parameters.Add(new NpgsqlParameter<decimal[]>("previous_amounts", [.. previous.Select(p => p.Amount)]));
            command.Parameters.Add(new NpgsqlParameter<string[]>("previous_statuses", [.. previous.Select(p => p.Status)]));
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                if (!reader.IsDBNull(1))
                {
                    throw new RaceLostException($"Order {reader.GetString(1)} was stored by another batch while this one ran.");
                }

                recount.Add(reader.GetGuid(0));
            }
        }

        if (recount.Count > 0)
        {
            await using var command = new NpgsqlCommand(Recount, connection, transaction);
            command.Parameters.Add(new NpgsqlParameter<Guid[]>("customers", [.. recount]));
            await command.ExecuteNonQueryAsync(ct);
        }

        var was = previous.ToDictionary(p => p.Id, p => p.Status, StringComparer.Ordinal);
        await journeys.OrdersStoredAsync(connection, transaction, triggers, customers,
            [.. orders.Select(o => (o.OrderId, was.GetValueOrDefault(o.OrderId)))],
            [.. orders.Where(o => !was.ContainsKey(o.OrderId)).Select(o => (o.OrderId, o.CustomerId))], ct);
        await transaction.CommitAsync(ct);
    }

    /// <summary>
    /// The latest version of each order in the batch (a batch may carry several, and repeats of one), by the order
    /// PostgreSQL compares stored versions in: stage, then updatedAt to the microsecond, then the submission id's bytes.
    /// </summary>
    internal static List<OrderSubmitted> Latest(IEnumerable<OrderSubmitted> versions) =>
        [.. versions.GroupBy(o => o.OrderId, StringComparer.Ordinal).Select(g => g.MaxBy(o => o, VersionOrder.Instance)!)];

    /// <summary>A message from before versions existed is the oldest version there is; PostgreSQL keeps microseconds.</summary>
    internal static DateTimeOffset VersionTime(OrderSubmitted order)
    {
        var at = order.UpdatedAt == default ? DateTimeOffset.UnixEpoch : order.UpdatedAt;
        return new DateTimeOffset(at.UtcTicks - at.UtcTicks % 10, TimeSpan.Zero);
    }

    private sealed class VersionOrder : IComparer<OrderSubmitted>
    {
        public static readonly VersionOrder Instance = new();

        public int Compare(OrderSubmitted? x, OrderSubmitted? y)
        {
            var byStage = OrderLifecycle.StageOf(x!.Status).CompareTo(OrderLifecycle.StageOf(y!.Status));
            if (byStage != 0)
            {
                return byStage;
            }

            var byTime = VersionTime(x).CompareTo(VersionTime(y));
            // PostgreSQL orders uuids by their bytes in RFC order (big-endian), unlike Guid.CompareTo.
            return byTime != 0 ? byTime : x.SubmissionId.ToByteArray(bigEndian: true).AsSpan().SequenceCompareTo(y.SubmissionId.ToByteArray(bigEndian: true));
        }
    }

    private sealed record StoredOrder(string Id, Guid CustomerId, decimal Amount, string Status);

    /// <summary>
    /// The stored versions of the batch's orders (most batches: none). An order belongs to one customer for good: a
    /// version naming another one (the Api refuses it when the order is stored already; this catches one that raced its
    /// first version) fails the batch, which the consumer narrows down to that message and dead-letters with this reason.
    /// </summary>
    private static async Task<List<StoredOrder>> StoredAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, List<OrderSubmitted> orders, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(Stored, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string[]>("ids", [.. orders.Select(o => o.OrderId)]));
        command.Parameters.Add(new NpgsqlParameter<Guid[]>("customers", [.. orders.Select(o => o.CustomerId)]));
        var stored = new List<StoredOrder>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var (id, named, owner) = (reader.GetString(0), reader.GetGuid(1), reader.GetGuid(2));
            if (named != owner)
            {
                throw new OrderOwnerException($"Order {id} belongs to customer {owner}; a version naming customer {named} is refused.");
            }

            stored.Add(new StoredOrder(id, owner, reader.GetDecimal(3), reader.GetString(4)));
        }

        return stored;
    }

    private static string StatusText(OrderStatus status) => status.ToString().ToUpperInvariant();
}

/// <summary>A version of an order that names another customer than the stored order: never applied, dead-lettered.</summary>
public sealed class OrderOwnerException(string message) : Exception(message);
