using MiniCrm.Core.Outcomes;

namespace MiniCrm.Core.Journeys;

/// <summary>
/// The statements that put customers into journeys and take them out, shared by the consumers (in the transaction that
/// stores what triggered them), the Workers' runner and its seeding.
/// </summary>
public static class JourneySql
{
    /// <summary>
    /// Enters the customers <paramref name="source"/> selects (a query with a <c>customer_id</c> column) into journey
    /// @journey at version @version, first step @step due @due. A customer enters once per entry policy: never again
    /// when @reentry_days is null, else only after leaving and once @reentry_days have passed since their last entry;
    /// a duplicate trigger changes nothing. @holdout percent of them (by a hash of journey and customer) are held out.
    /// </summary>
    /// <returns>SQL returning one row per customer who entered.</returns>
    public static string Enter(string source) => $"""
        INSERT INTO journey_enrolments AS e (journey_id, customer_id, version, step, due_at, entered_at, held_out, may_reenter_at)
        SELECT @journey, s.customer_id, @version, @step, @due, now(),
               @holdout > 0 AND {HoldoutSplit.Bucket("@journey", "s.customer_id")} < @holdout,
               now() + make_interval(days => @reentry_days)
        FROM ({source}) s
        ORDER BY s.customer_id
        ON CONFLICT (journey_id, customer_id) DO UPDATE
            SET version = excluded.version, entries = e.entries + 1, step = excluded.step, due_at = excluded.due_at,
                entered_at = excluded.entered_at, exited_at = NULL, exit_reason = NULL, held_out = excluded.held_out,
                may_reenter_at = excluded.may_reenter_at
            WHERE e.exited_at IS NOT NULL AND e.may_reenter_at IS NOT NULL AND e.may_reenter_at <= excluded.entered_at
        RETURNING e.customer_id
        """;

    /// <summary>
    /// A customer who placed one of the new orders @orders after entering (by the order's date: an order dated before,
    /// arriving late or imported, is history, not the goal) leaves every journey whose version has the goal ORDER_PLACED.
    /// The order that brought them in was placed before they entered, and is not their goal.
    /// </summary>
    public const string GoalMet = """
        UPDATE journey_enrolments e
        SET exited_at = now(), exit_reason = 'GOAL', step = NULL, due_at = NULL
        FROM journey_versions v
        WHERE e.customer_id = ANY(@customers) AND e.exited_at IS NULL
          AND EXISTS (SELECT 1 FROM orders o WHERE o.id = ANY(@orders) AND o.customer_id = e.customer_id AND o.order_date >= e.entered_at)
          AND v.journey_id = e.journey_id AND v.version = e.version AND upper(v.definition ->> 'goal') = 'ORDER_PLACED'
        """;

    /// <summary>
    /// Sets (or moves) the inactivity timer of journey @journey (@days) for the customers <paramref name="customers"/> selects
    /// (a condition on <c>c</c>, a customers row): due when their quiet spell since the last order reaches @days. Only
    /// spells that end after now: one that ended before the journey was activated, or before a backdated order arrived,
    /// enters nobody. A later order moves the timer on.
    /// </summary>
    public static string InactivityTimers(string customers) => $"""
        INSERT INTO journey_timers (journey_id, customer_id, due_at)
        SELECT @journey, c.id, c.last_order_date + make_interval(days => @days) FROM customers c
        WHERE ({customers}) AND c.last_order_date + make_interval(days => @days) > now()
        ORDER BY c.id
        ON CONFLICT (journey_id, customer_id) DO UPDATE SET due_at = excluded.due_at
        """;

    /// <summary>
    /// The journeys customers can enter now (ACTIVE, or PAUSED: they enter and wait), with their live version, each held
    /// FOR SHARE until the reading transaction ends: a stop (or a new version) waits for the batch that is entering
    /// customers to commit, and then ends their enrolments too, so nobody enters a journey after it was stopped.
    /// </summary>
    public const string Live = """
        SELECT j.id, j.name, j.live_version, v.definition::text, j.trigger_kind
        FROM journeys j JOIN journey_versions v ON v.journey_id = j.id AND v.version = j.live_version
        WHERE j.status IN ('ACTIVE', 'PAUSED') AND j.trigger_kind = ANY(@kinds)
        FOR SHARE OF j
        """;
}
