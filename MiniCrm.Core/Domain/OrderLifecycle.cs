namespace MiniCrm.Core.Domain;

/// <summary>
/// How versions of one order replace each other, and what a customer's aggregates are made of. Both are
/// functions of the stored facts alone, so they come out the same whatever order the messages arrive in,
/// however often they are repeated.
/// <list type="bullet">
/// <item>An order moves forward through its stages: PENDING (0), then COMPLETED or CANCELLED (1), then REFUNDED (2).
/// Of two versions of an order the later stage wins; within a stage the later <c>updatedAt</c>, then the later
/// submission. So a PENDING that arrives after its COMPLETED changes nothing, and a refund is final.</item>
/// <item><b>Total spend</b> = the sum of the amounts of the customer's orders that are COMPLETED now. A refund takes
/// back what its order added; a cancelled or pending order adds nothing.</item>
/// <item><b>Visits</b> = the number of the customer's orders that completed: COMPLETED or REFUNDED now.</item>
/// <item><b>Last order date</b> = the latest order date among those same orders.</item>
/// </list>
/// </summary>
public static class OrderLifecycle
{
    public static int StageOf(OrderStatus status) => status switch
    {
        OrderStatus.Pending => 0,
        OrderStatus.Refunded => 2,
        _ => 1,
    };

    /// <summary><see cref="StageOf"/> in SQL, over a status column or expression.</summary>
    public static string StageSql(string status) => $"(CASE {status} WHEN 'PENDING' THEN 0 WHEN 'REFUNDED' THEN 2 ELSE 1 END)";

    /// <summary>Statuses of orders that completed: they count as visits and date the last order.</summary>
    public const string CompletedSql = "('COMPLETED', 'REFUNDED')";
}
