using MiniCrm.Core.Domain;
using MiniCrm.Core.Messaging;
using MiniCrm.Workers.Messaging;
using Npgsql;
using NpgsqlTypes;

namespace MiniCrm.Workers.Orders;

/// <summary>
/// Inserts a batch of orders with their items and moves the customers' aggregates, in one statement:
/// only orders inserted for the first time (ON CONFLICT DO NOTHING ... RETURNING) reach the
/// aggregates, so a redelivered order is never counted twice.
/// <list type="bullet">
/// <item>COMPLETED adds its amount, REFUNDED subtracts it; total_spend = max(0, completed − refunded), the same whatever order orders arrive in;</item>
/// <item>COMPLETED, REFUNDED and CANCELLED each count a visit; PENDING changes nothing;</item>
/// <item>last_order_date is the latest COMPLETED order's date.</item>
/// </list>
/// </summary>
public sealed class OrderBatchHandler(NpgsqlDataSource database) : IBatchHandler<OrderSubmitted>
{
    private const string Apply = """
        WITH submitted AS (
            SELECT * FROM unnest(@ids, @customers, @dates, @amounts, @statuses)
                AS o(id, customer_id, order_date, amount, status)
            WHERE EXISTS (SELECT 1 FROM customers c WHERE c.id = o.customer_id)
        ), inserted AS (
            INSERT INTO orders (id, customer_id, order_date, amount, status, created_at)
            SELECT id, customer_id, order_date, amount, status, now() FROM submitted
            ON CONFLICT (id) DO NOTHING
            RETURNING id, customer_id, order_date, amount, status
        ), items AS (
            INSERT INTO order_items (order_id, name, quantity, unit_price, total)
            SELECT i.order_id, i.name, i.quantity, i.unit_price, i.quantity * i.unit_price
            FROM unnest(@item_orders, @item_names, @item_quantities, @item_prices) AS i(order_id, name, quantity, unit_price)
            WHERE i.order_id IN (SELECT id FROM inserted)
        ), delta AS (
            SELECT customer_id,
                   sum(CASE status WHEN 'COMPLETED' THEN amount WHEN 'REFUNDED' THEN -amount ELSE 0 END) AS net,
                   count(*) FILTER (WHERE status <> 'PENDING') AS visits,
                   max(order_date) FILTER (WHERE status = 'COMPLETED') AS last_completed
            FROM inserted GROUP BY customer_id
        )
        UPDATE customers c
        -- A customer's running sums saturate at what numeric(14,2) holds: each order fits (the Api
        -- refuses larger ones), and many huge ones must not make the whole batch fail on overflow.
        SET net_spend = LEAST(GREATEST(c.net_spend + d.net, -999999999999.99), 999999999999.99),
            total_spend = LEAST(GREATEST(0, c.net_spend + d.net), 999999999999.99),
            visits = c.visits + d.visits,
            last_order_date = GREATEST(c.last_order_date, d.last_completed)
        FROM delta d
        WHERE c.id = d.customer_id
        """;

    public async Task HandleAsync(IReadOnlyList<Consumed<OrderSubmitted>> batch, CancellationToken ct)
    {
        var messages = batch.Select(b => b.Message);
        // A batch may carry the same order twice (a redelivery next to the original): keep the first.
        var orders = messages.DistinctBy(m => m.OrderId).ToList();
        var items = orders.SelectMany(o => o.Items.Select(i => (o.OrderId, Item: i))).ToList();

        await using var command = database.CreateCommand(Apply);
        command.Parameters.Add(new NpgsqlParameter<string[]>("ids", [.. orders.Select(o => o.OrderId)]));
        command.Parameters.Add(new NpgsqlParameter<Guid[]>("customers", [.. orders.Select(o => o.CustomerId)]));
        command.Parameters.Add(new NpgsqlParameter<DateTime[]>("dates", [.. orders.Select(o => o.OrderDate.UtcDateTime)]));
        command.Parameters.Add(new NpgsqlParameter<decimal[]>("amounts", [.. orders.Select(o => o.Amount)]));
        command.Parameters.Add(new NpgsqlParameter<string[]>("statuses", [.. orders.Select(o => StatusText(o.Status))]));
        command.Parameters.Add(new NpgsqlParameter<string[]>("item_orders", [.. items.Select(i => i.OrderId)]));
        command.Parameters.Add(new NpgsqlParameter<string[]>("item_names", [.. items.Select(i => i.Item.Name)]));
        command.Parameters.Add(new NpgsqlParameter<int[]>("item_quantities", [.. items.Select(i => i.Item.Quantity)]));
        command.Parameters.Add(new NpgsqlParameter<decimal[]>("item_prices", [.. items.Select(i => i.Item.UnitPrice)]));
        await command.ExecuteNonQueryAsync(ct);
    }

    private static string StatusText(OrderStatus status) => status.ToString().ToUpperInvariant();
}
