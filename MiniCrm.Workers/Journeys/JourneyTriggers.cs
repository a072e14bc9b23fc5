using MiniCrm.Core.Journeys;
using MiniCrm.Core.Segments;
using Npgsql;
using NpgsqlTypes;

namespace MiniCrm.Workers.Journeys;

/// <summary>
/// Starts journeys from what the consumers store, inside the transaction that stores it: a customer's entry is kept
/// exactly when the customer or order that caused it is, and a redelivered message (or a replay from Ingest) enters nobody
/// twice (<see cref="JourneySql.Enter"/>). With no live journey of a kind, a batch pays one small query.
/// </summary>
public sealed class JourneyTriggers(JourneyPlans plans, TimeProvider clock)
{
    private static readonly JourneyTriggerKind[] CustomerKinds = [JourneyTriggerKind.CustomerCreated, JourneyTriggerKind.AudienceEntered];

    private static readonly JourneyTriggerKind[] OrderKinds = [JourneyTriggerKind.OrderPlaced, JourneyTriggerKind.AudienceEntered, JourneyTriggerKind.Inactive];

    /// <summary>New customers (<paramref name="created"/>, stored by this transaction): welcome journeys, and audiences they are in from the start.</summary>
    public async Task CustomersCreatedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid[] created, CancellationToken ct)
    {
        if (created.Length == 0)
        {
            return;
        }

        foreach (var journey in await plans.LiveAsync(connection, transaction, CustomerKinds, ct))
        {
            if (journey.Plan.Trigger.Kind == JourneyTriggerKind.CustomerCreated)
            {
                await EnterAsync(connection, transaction, journey, "SELECT unnest(@customers) AS customer_id", [Customers(created)], ct);
            }
            else
            {
                await EnterMatchingAsync(connection, transaction, journey, created, ct);
            }
        }
    }

    /// <summary>The journeys an order batch may start, read before it is stored (an audience's members before the orders move them).</summary>
    public async Task<OrderTriggers> BeforeOrdersAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid[] customers, CancellationToken ct)
    {
        var live = await plans.LiveAsync(connection, transaction, OrderKinds, ct);
        var inBefore = new Dictionary<Guid, HashSet<Guid>>();
        foreach (var journey in live.Where(j => j.Plan.Trigger.Kind == JourneyTriggerKind.AudienceEntered))
        {
            inBefore[journey.Id] = [.. await MatchingAsync(connection, transaction, journey, customers, ct)];
        }

        return new OrderTriggers(live, inBefore);
    }

    /// <summary>The state between <see cref="BeforeOrdersAsync"/> and <see cref="OrdersStoredAsync"/>.</summary>
    public sealed record OrderTriggers(List<LiveJourney> Live, Dictionary<Guid, HashSet<Guid>> InAudienceBefore);

    /// <summary>
    /// After a batch of orders is stored: customers who placed a new order meet their ORDER_PLACED goals; order journeys
    /// start (any new order, a first one, one of at least an amount, one reaching a status); customers the orders brought
    /// into an audience enter its journeys; inactivity timers move to the customers' new last order dates.
    /// </summary>
    /// <param name="orders">The batch's orders, with the status each had before it (null for a new order).</param>
    public async Task OrdersStoredAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, OrderTriggers triggers, Guid[] customers,
        IReadOnlyList<(string OrderId, string? WasStatus)> orders, IReadOnlyList<(string OrderId, Guid CustomerId)> newOrders, CancellationToken ct)
    {
        if (newOrders.Count > 0)
        {
            await using var goal = new NpgsqlCommand(JourneySql.GoalMet, connection, transaction);
            goal.Parameters.Add(Customers([.. newOrders.Select(o => o.CustomerId).Distinct()]));
            goal.Parameters.Add(new NpgsqlParameter<string[]>("orders", [.. newOrders.Select(o => o.OrderId)]));
            await goal.ExecuteNonQueryAsync(ct);
        }

        foreach (var journey in triggers.Live)
        {
            var trigger = journey.Plan.Trigger;
            switch (trigger.Kind)
            {
                case JourneyTriggerKind.OrderPlaced:
                    await EnterAsync(connection, transaction, journey,
                        """
                        SELECT DISTINCT o.customer_id FROM unnest(@orders, @was) AS s(id, was) JOIN orders o ON o.id = s.id
                        WHERE ((@status::text IS NULL AND s.was IS NULL) OR (o.status = @status AND s.was IS DISTINCT FROM @status))
                          AND (@min::numeric IS NULL OR o.amount >= @min)
                          AND (NOT @first OR NOT EXISTS (SELECT 1 FROM orders p WHERE p.customer_id = o.customer_id AND p.id <> ALL(@orders)))
                        """,
                        [
                            new NpgsqlParameter<string[]>("orders", [.. orders.Select(o => o.OrderId)]),
                            new NpgsqlParameter("was", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = orders.Select(o => (object?)o.WasStatus ?? DBNull.Value).ToArray() },
                            new NpgsqlParameter("status", NpgsqlDbType.Text) { Value = (object?)trigger.Status ?? DBNull.Value },
                            new NpgsqlParameter("min", NpgsqlDbType.Numeric) { Value = (object?)trigger.MinAmount ?? DBNull.Value },
                            new NpgsqlParameter<bool>("first", trigger.FirstOrder),
                        ], ct);
                    break;
                case JourneyTriggerKind.AudienceEntered:
                    var before = triggers.InAudienceBefore[journey.Id];
                    await EnterMatchingAsync(connection, transaction, journey, [.. customers.Where(c => !before.Contains(c))], ct);
                    break;
                case JourneyTriggerKind.Inactive:
                    await using (var timers = new NpgsqlCommand(JourneySql.InactivityTimers("c.id = ANY(@customers)"), connection, transaction))
                    {
                        timers.Parameters.Add(new NpgsqlParameter<Guid>("journey", journey.Id));
                        timers.Parameters.Add(new NpgsqlParameter<int>("days", trigger.Days!.Value));
                        timers.Parameters.Add(Customers(customers));
                        await timers.ExecuteNonQueryAsync(ct);
                    }

                    break;
            }
        }
    }

    private async Task EnterMatchingAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, LiveJourney journey, Guid[] candidates, CancellationToken ct)
    {
        if (candidates.Length == 0)
        {
            return;
        }

        var segment = SegmentSql.Compile(journey.Plan.Trigger.Audience!, clock.GetUtcNow());
        await EnterAsync(connection, transaction, journey, $"SELECT c.id AS customer_id FROM customers c WHERE c.id = ANY(@customers) AND ({segment.Condition})",
            [Customers(candidates), .. segment.CloneParameters()], ct);
    }

    private async Task<List<Guid>> MatchingAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, LiveJourney journey, Guid[] customers, CancellationToken ct)
    {
        var segment = SegmentSql.Compile(journey.Plan.Trigger.Audience!, clock.GetUtcNow());
        await using var match = new NpgsqlCommand($"SELECT c.id FROM customers c WHERE c.id = ANY(@customers) AND ({segment.Condition})", connection, transaction);
        match.Parameters.Add(Customers(customers));
        match.Parameters.AddRange(segment.CloneParameters().ToArray());
        var found = new List<Guid>();
        await using var reader = await match.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            found.Add(reader.GetGuid(0));
        }

        return found;
    }

    /// <summary>Enters the customers <paramref name="source"/> selects into <paramref name="journey"/>'s live version.</summary>
    public async Task<int> EnterAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, LiveJourney journey, string source, IEnumerable<NpgsqlParameter> parameters, CancellationToken ct)
    {
        var (step, due) = journey.Plan.Entry(clock.GetUtcNow());
        await using var enter = new NpgsqlCommand($"WITH entered AS ({JourneySql.Enter(source)}) SELECT count(*)::int FROM entered", connection, transaction) { CommandTimeout = 0 };
        enter.Parameters.AddRange(parameters.ToArray());
        enter.Parameters.Add(new NpgsqlParameter<Guid>("journey", journey.Id));
        enter.Parameters.Add(new NpgsqlParameter<int>("version", journey.Version));
        enter.Parameters.Add(new NpgsqlParameter("step", NpgsqlDbType.Text) { Value = (object?)step ?? DBNull.Value });
        enter.Parameters.Add(new NpgsqlParameter<DateTime>("due", due.UtcDateTime));
        enter.Parameters.Add(new NpgsqlParameter<int>("holdout", journey.Plan.HoldoutPercent));
        enter.Parameters.Add(new NpgsqlParameter("reentry_days", NpgsqlDbType.Integer) { Value = (object?)journey.Plan.ReentryDays ?? DBNull.Value });
        return (int)(await enter.ExecuteScalarAsync(ct) ?? 0);
    }

    private static NpgsqlParameter Customers(Guid[] customers) => new NpgsqlParameter<Guid[]>("customers", customers);
}
