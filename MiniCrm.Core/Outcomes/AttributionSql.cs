namespace MiniCrm.Core.Outcomes;

/// <summary>
/// What each campaign earned, kept up to date as orders arrive instead of recounted on every read. One row per campaign
/// and customer who ordered in the campaign's attribution window (<c>campaign_conversions</c>: the group, the orders, the
/// revenue, the last-touch revenue, the first order's time). A customer whose orders changed is queued
/// (<c>attribution_queue</c>, in the order batch's own transaction, only when they are in a live campaign); the Workers'
/// attribution job takes queued customers in chunks (<c>SKIP LOCKED</c>, so several Workers share them) and recomputes
/// their rows in every live campaign from the stored facts, in one set-based statement. A recompute is the same whatever
/// happened before, so duplicate, late, refunded and imported orders, and a job that dies mid-chunk, leave the rows exact.
/// <para>
/// A campaign is <i>live</i> while its window is open (from its start until <c>attributionDays</c> after its last
/// receipt) and for <see cref="LateHours"/> after, for orders that arrive late; after that its rows no longer change,
/// and its results are final. A customer with a delivery still PENDING in a live campaign (its receipt may come after the
/// order, and the delivery time starts the window) is recomputed now and queued again a few seconds later.
/// </para>
/// </summary>
public static class AttributionSql
{
    /// <summary>How long after its window closes a campaign still takes orders dated inside it that arrive late.</summary>
    public const int LateHours = 1;

    /// <summary>
    /// When campaign <paramref name="c"/>'s window closes: its attribution days after its completion or its last receipt,
    /// whichever came later (a receipt of a cancelled campaign may come after the cancel); while it sends, after now.
    /// </summary>
    public static string ClosesAt(string c) =>
        $"CASE WHEN {c}.completed_at IS NULL THEN now() ELSE greatest({c}.completed_at, {c}.last_receipt_at) END + make_interval(days => {c}.attribution_days)";

    /// <summary>
    /// The campaigns whose figures can still change (alias <paramref name="c"/>): started and not yet final. The job marks a
    /// campaign final (<see cref="Closed"/>) only after it has recomputed every customer queued before, so an order that
    /// reached the queue in time is never dropped at the boundary.
    /// </summary>
    public static string Live(string c) => $"{c}.prepared_at IS NOT NULL AND {c}.results_final_at IS NULL";

    /// <summary>Campaign <paramref name="c"/> finished, and its window and the late hour after it are over.</summary>
    public static string Closed(string c) =>
        $"{c}.status IN ('COMPLETED', 'CANCELLED') AND {c}.pending_count = 0 AND {c}.prepared_at IS NOT NULL AND {ClosesAt(c)} + interval '{LateHours} hours' <= now()";

    /// <summary>
    /// Queues the customers of a CTE named <paramref name="changed"/> (a <c>customer_id</c> column) who are in a live
    /// campaign's log: a statement of its own, or a CTE of a larger one. The marketers' live campaigns are read once per
    /// statement, and each customer costs a probe of the log's key per such campaign (a LATERAL with LIMIT 1, which the
    /// planner cannot turn into a join over the whole log); a journey's campaigns, which can be thousands (one per pass
    /// of its runner), are found from the customer's side instead (their messages are indexed by customer), so they
    /// cost a few index entries per customer however many there are. Ordered, so concurrent
    /// batches take the queue's rows in one order. A customer queued already has their row locked (DO UPDATE, not DO
    /// NOTHING): a job claiming it with SKIP LOCKED passes it by until this transaction commits, so its recompute cannot
    /// miss the orders this one stores.
    /// </summary>
    public static string Enqueue(string changed) => $"""
        INSERT INTO attribution_queue (customer_id)
        SELECT DISTINCT x.customer_id FROM {changed} x
        CROSS JOIN LATERAL (SELECT 1 FROM communication_logs l
                            WHERE l.campaign_id = ANY(ARRAY(SELECT c.id FROM campaigns c WHERE {Live("c")} AND c.journey_id IS NULL))
                              AND l.customer_id = x.customer_id
                            UNION ALL
                            SELECT 1 FROM communication_logs l JOIN campaigns c ON c.id = l.campaign_id
                            WHERE l.journey AND l.customer_id = x.customer_id AND {Live("c")}
                            LIMIT 1) live
        ORDER BY x.customer_id
        ON CONFLICT (customer_id) DO UPDATE SET due_at = least(attribution_queue.due_at, excluded.due_at)
        """;

    /// <summary>Takes up to @limit queued customers that are due, locked for this transaction (deleted; a rollback puts them back).</summary>
    public const string Claim = """
        DELETE FROM attribution_queue
        WHERE customer_id IN (SELECT customer_id FROM attribution_queue WHERE due_at <= now() ORDER BY due_at LIMIT @limit FOR UPDATE SKIP LOCKED)
        RETURNING customer_id
        """;

    /// <summary>
    /// Recomputes the conversion rows of customers @customers in every live campaign: each messaged customer's COMPLETED
    /// orders after their delivery and within the window, each held-out customer's after the campaign's start; the
    /// last-touch share of a messaged customer's revenue (orders no later delivery of another campaign came before); the
    /// first order's time. Rows that no longer hold are deleted. Answers the customers to look at again (a delivery of
    /// theirs in a live campaign is still PENDING).
    /// </summary>
    public static readonly string Recompute = $"""
        WITH live AS MATERIALIZED (
            SELECT c.id, c.prepared_at, c.attribution_days, c.journey_id IS NOT NULL AS journey FROM campaigns c WHERE {Live("c")}
        ), logged AS (
            SELECT l.campaign_id, l.customer_id, l.status, l.delivered_at, c.prepared_at, c.attribution_days
            FROM live c JOIN communication_logs l ON l.campaign_id = c.id AND l.customer_id = ANY(@customers)
            WHERE NOT c.journey
            UNION ALL
            SELECT l.campaign_id, l.customer_id, l.status, l.delivered_at, c.prepared_at, c.attribution_days
            FROM communication_logs l JOIN live c ON c.id = l.campaign_id
            WHERE l.journey AND l.customer_id = ANY(@customers)
        ), members AS (
            SELECT campaign_id, customer_id, status = 'HELD_OUT' AS held,
                   CASE WHEN status = 'HELD_OUT' THEN prepared_at ELSE delivered_at END AS since, attribution_days
            FROM logged WHERE status IN ('SENT', 'HELD_OUT')
        ), hits AS (
            SELECT m.campaign_id, m.customer_id, m.held, m.since, o.amount, o.order_date
            FROM members m
            JOIN orders o ON o.customer_id = m.customer_id AND o.status = 'COMPLETED'
                         AND o.order_date > m.since AND o.order_date <= m.since + make_interval(days => m.attribution_days)
        ), deliveries AS (
            -- Every delivery of these customers that can take an order away from a live campaign's last touch: of the
            -- campaigns that were still delivering when the earliest live one started. Looked up for each order it is
            -- checked against (by customer: the marketers' campaigns listed once per statement and probed by key, a
            -- journey's messages through their index), never scanned whole for each.
            SELECT l.campaign_id, l.customer_id, l.delivered_at
            FROM communication_logs l
            WHERE l.campaign_id = ANY(ARRAY(SELECT c.id FROM campaigns c
                                            WHERE c.journey_id IS NULL AND c.prepared_at IS NOT NULL
                                              AND coalesce(greatest(c.completed_at, c.last_receipt_at), now()) >= (SELECT min(prepared_at) FROM live)))
              AND l.customer_id = ANY(@customers) AND l.status = 'SENT'
            UNION ALL
            SELECT l.campaign_id, l.customer_id, l.delivered_at
            FROM communication_logs l JOIN campaigns c ON c.id = l.campaign_id
            WHERE l.journey AND l.customer_id = ANY(@customers) AND l.status = 'SENT' AND c.prepared_at IS NOT NULL
              AND coalesce(greatest(c.completed_at, c.last_receipt_at), now()) >= (SELECT min(prepared_at) FROM live)
        ), tallied AS (
            SELECT h.campaign_id, h.customer_id, h.held, count(*)::int AS orders, sum(h.amount) AS revenue,
                   coalesce(sum(h.amount) FILTER (WHERE NOT h.held AND NOT EXISTS (
                       SELECT 1 FROM deliveries d WHERE d.customer_id = h.customer_id AND d.campaign_id <> h.campaign_id
                                                    AND d.delivered_at > h.since AND d.delivered_at < h.order_date)), 0) AS last_touch,
                   min(h.order_date) AS first_order_at
            FROM hits h GROUP BY h.campaign_id, h.customer_id, h.held
        ), cleared AS (
            DELETE FROM campaign_conversions x
            WHERE x.customer_id = ANY(@customers) AND x.campaign_id IN (SELECT id FROM live)
              AND NOT EXISTS (SELECT 1 FROM tallied t WHERE t.campaign_id = x.campaign_id AND t.customer_id = x.customer_id)
        ), kept AS (
            INSERT INTO campaign_conversions AS x (campaign_id, customer_id, held, orders, revenue, last_touch, first_order_at)
            SELECT campaign_id, customer_id, held, orders, revenue, last_touch, first_order_at FROM tallied
            ON CONFLICT (campaign_id, customer_id) DO UPDATE
                SET held = excluded.held, orders = excluded.orders, revenue = excluded.revenue,
                    last_touch = excluded.last_touch, first_order_at = excluded.first_order_at
                WHERE (x.held, x.orders, x.revenue, x.last_touch, x.first_order_at)
                      IS DISTINCT FROM (excluded.held, excluded.orders, excluded.revenue, excluded.last_touch, excluded.first_order_at)
        )
        SELECT DISTINCT customer_id FROM logged WHERE status = 'PENDING'
        """;

    /// <summary>Queues @customers again (their deliveries are still pending), due in @seconds.</summary>
    public const string Requeue = """
        INSERT INTO attribution_queue (customer_id, due_at)
        SELECT customer_id, now() + make_interval(secs => @seconds) FROM unnest(@customers) AS q(customer_id) ORDER BY customer_id
        ON CONFLICT (customer_id) DO NOTHING
        """;
}
