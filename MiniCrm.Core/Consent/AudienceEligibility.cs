using System.Data.Common;

namespace MiniCrm.Core.Consent;

/// <summary>
/// How many customers a rule group selects who may be messaged, and how many it leaves out and why: each customer
/// left out is counted once, for the first reason that applies (unsubscribed, then the frequency cap, then smart sending).
/// </summary>
public sealed record AudienceCount(long Eligible, long ExcludedForConsent, long ExcludedForFrequencyCap, long ExcludedForSmartSending);

/// <summary>
/// Who may be messaged, as SQL over <c>customers c</c>: never an unsubscribed customer; with the frequency cap on, no
/// customer who already has that many campaign messages (pending or sent) in its window; and, with smart sending on
/// (the default for every campaign), no customer for whom a campaign message was written in the last
/// <see cref="ConsentOptions.SmartSendingHours"/> hours and not cancelled (<c>last_campaign_messages</c>, written as a
/// campaign is prepared and taken back as a cancelled campaign is finished). Every audience (preview, launch, saved audience, the Workers' log) is the rules AND this.
/// </summary>
public static class AudienceEligibility
{
    public const string Unsubscribed = "c.unsubscribed_at IS NOT NULL";

    /// <summary>
    /// The customers the cap leaves out, as a subquery of <c>customer_id</c>s (null when the cap is off); its two numbers
    /// are validated integers (<see cref="ConsentOptions"/>), never user input.
    /// </summary>
    private static string? CappedIds(ConsentOptions consent) => consent.FrequencyCapMessages == 0
        ? null
        : $"""
          SELECT l.customer_id FROM communication_logs l
          WHERE l.created_at > now() - {consent.FrequencyCapDays} * interval '1 day' AND l.status IN ('PENDING', 'SENT')
          GROUP BY l.customer_id HAVING count(*) >= {consent.FrequencyCapMessages}
          """;

    /// <summary>Smart sending's table, limited to its window (null when smart sending is off).</summary>
    private static string? RecentIds(ConsentOptions consent, bool smartSending) => !smartSending || consent.SmartSendingHours == 0
        ? null
        : $"SELECT m.customer_id FROM last_campaign_messages m WHERE m.at > now() - {consent.SmartSendingHours} * interval '1 hour'";

    // Every test is EXISTS, never IN: NOT EXISTS becomes an anti-join, which spills to disk if it must, where NOT IN over a
    // million ids is either a hash table that has to fit in work_mem or, when it does not, a scan of the list per customer.

    /// <summary>The cap's condition over <c>customers c</c>.</summary>
    public static string Capped(ConsentOptions consent) => CappedIds(consent) is { } ids
        ? $"EXISTS (SELECT 1 FROM ({ids}) k WHERE k.customer_id = c.id)"
        : "FALSE";

    /// <summary>Smart sending's condition over <c>customers c</c>: a campaign message written for the customer in the window (one narrow row per customer).</summary>
    public static string RecentlyMessaged(ConsentOptions consent, bool smartSending) => RecentIds(consent, smartSending) is { } ids
        ? $"EXISTS (SELECT 1 FROM ({ids}) r WHERE r.customer_id = c.id)"
        : "FALSE";

    /// <summary>Keeps smart sending's table to its window (run as each campaign is prepared): older rows can never exclude anyone.</summary>
    public static string ForgetOutsideWindow(ConsentOptions consent) =>
        $"DELETE FROM last_campaign_messages WHERE at < now() - {Math.Max(1, consent.SmartSendingHours)} * interval '1 hour'";

    /// <summary>
    /// Takes back smart sending's record of a cancelled campaign's unsent messages (parameter <c>@id</c>): a customer
    /// whose message was CANCELLED was not messaged, so what counts for them again is their latest earlier message in
    /// the window that was not cancelled, if any. Rows of that campaign whose message went out stay.
    /// </summary>
    public static string ForgetCancelled(ConsentOptions consent) => $"""
        WITH forgotten AS (
            DELETE FROM last_campaign_messages m USING communication_logs l
            WHERE m.campaign_id = @id AND l.campaign_id = @id AND l.customer_id = m.customer_id AND l.status = 'CANCELLED'
            RETURNING m.customer_id
        )
        INSERT INTO last_campaign_messages (customer_id, at, campaign_id)
        SELECT DISTINCT ON (l.customer_id) l.customer_id, l.created_at, l.campaign_id
        FROM communication_logs l JOIN forgotten f ON f.customer_id = l.customer_id
        WHERE l.created_at > now() - {Math.Max(1, consent.SmartSendingHours)} * interval '1 hour'
          AND l.campaign_id <> @id AND l.status <> 'CANCELLED'
        ORDER BY l.customer_id, l.created_at DESC
        ON CONFLICT (customer_id) DO NOTHING
        """;

    public static string Eligible(ConsentOptions consent, bool smartSending) =>
        $"NOT ({Unsubscribed}) AND NOT ({Capped(consent)}) AND NOT ({RecentlyMessaged(consent, smartSending)})";

    /// <summary>
    /// One scan for the four counts of <see cref="AudienceCount"/> among the customers <paramref name="segmentCondition"/>
    /// selects. Each exclusion is decided once per customer, by an outer join the planner can make a hash or merge join
    /// (the OFFSET 0 keeps it from copying the tests into every count).
    /// </summary>
    public static string CountSql(string segmentCondition, ConsentOptions consent, bool smartSending)
    {
        var (capped, cappedJoin) = CappedIds(consent) is { } c ? ("k.customer_id IS NOT NULL", $"LEFT JOIN ({c}) k ON k.customer_id = c.id") : ("FALSE", "");
        var (recent, recentJoin) = RecentIds(consent, smartSending) is { } r ? ("r.customer_id IS NOT NULL", $"LEFT JOIN ({r}) r ON r.customer_id = c.id") : ("FALSE", "");
        return $"""
            SELECT count(*) FILTER (WHERE NOT unsubscribed AND NOT capped AND NOT recent),
                   count(*) FILTER (WHERE unsubscribed),
                   count(*) FILTER (WHERE NOT unsubscribed AND capped),
                   count(*) FILTER (WHERE NOT unsubscribed AND NOT capped AND recent)
            FROM (SELECT {Unsubscribed} AS unsubscribed, {capped} AS capped, {recent} AS recent
                  FROM customers c {cappedJoin} {recentJoin} WHERE {segmentCondition} OFFSET 0) decided
            """;
    }

    public static AudienceCount Read(DbDataReader reader) => new(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
}
