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
/// <see cref="ConsentOptions.SmartSendingHours"/> hours (<c>last_campaign_messages</c>, written as a campaign is
/// prepared). Every audience (preview, launch, saved audience, the Workers' log) is the rules AND this.
/// </summary>
public static class AudienceEligibility
{
    public const string Unsubscribed = "c.unsubscribed_at IS NOT NULL";

    /// <summary>The cap's condition; its two numbers are validated integers (<see cref="ConsentOptions"/>), never user input.</summary>
    public static string Capped(ConsentOptions consent) => consent.FrequencyCapMessages == 0
        ? "FALSE"
        : $"""
          c.id IN (SELECT l.customer_id FROM communication_logs l
                   WHERE l.created_at > now() - {consent.FrequencyCapDays} * interval '1 day' AND l.status IN ('PENDING', 'SENT')
                   GROUP BY l.customer_id HAVING count(*) >= {consent.FrequencyCapMessages})
          """;

    /// <summary>Smart sending's condition: a campaign message written for the customer in the window (one narrow row per customer).</summary>
    public static string RecentlyMessaged(ConsentOptions consent, bool smartSending) => !smartSending || consent.SmartSendingHours == 0
        ? "FALSE"
        : $"c.id IN (SELECT m.customer_id FROM last_campaign_messages m WHERE m.at > now() - {consent.SmartSendingHours} * interval '1 hour')";

    /// <summary>Keeps smart sending's table to its window (run as each campaign is prepared): older rows can never exclude anyone.</summary>
    public static string ForgetOutsideWindow(ConsentOptions consent) =>
        $"DELETE FROM last_campaign_messages WHERE at < now() - {Math.Max(1, consent.SmartSendingHours)} * interval '1 hour'";

    public static string Eligible(ConsentOptions consent, bool smartSending) =>
        $"NOT ({Unsubscribed}) AND NOT ({Capped(consent)}) AND NOT ({RecentlyMessaged(consent, smartSending)})";

    /// <summary>
    /// One scan for the four counts of <see cref="AudienceCount"/> among the customers <paramref name="segmentCondition"/>
    /// selects. Each exclusion is decided once per customer (the OFFSET 0 keeps the planner from copying the tests
    /// into every count).
    /// </summary>
    public static string CountSql(string segmentCondition, ConsentOptions consent, bool smartSending) => $"""
        SELECT count(*) FILTER (WHERE NOT unsubscribed AND NOT capped AND NOT recent),
               count(*) FILTER (WHERE unsubscribed),
               count(*) FILTER (WHERE NOT unsubscribed AND capped),
               count(*) FILTER (WHERE NOT unsubscribed AND NOT capped AND recent)
        FROM (SELECT {Unsubscribed} AS unsubscribed, {Capped(consent)} AS capped, {RecentlyMessaged(consent, smartSending)} AS recent
              FROM customers c WHERE {segmentCondition} OFFSET 0) decided
        """;

    public static AudienceCount Read(DbDataReader reader) => new(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
}
