using System.Data.Common;

namespace MiniCrm.Core.Consent;

/// <summary>How many customers a rule group selects who may be messaged, and how many it leaves out and why.</summary>
public sealed record AudienceCount(long Eligible, long ExcludedForConsent, long ExcludedForFrequencyCap);

/// <summary>
/// Who may be messaged, as SQL over <c>customers c</c>: never an unsubscribed customer, and, with the
/// frequency cap on, no customer who already has that many campaign messages (pending or sent) in the
/// window. Every audience (preview, launch, saved audience, the Workers' log) is the rules AND this.
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

    public static string Eligible(ConsentOptions consent) => $"NOT ({Unsubscribed}) AND NOT ({Capped(consent)})";

    /// <summary>One scan for the three counts of <see cref="AudienceCount"/> among the customers <paramref name="segmentCondition"/> selects.</summary>
    public static string CountSql(string segmentCondition, ConsentOptions consent) => $"""
        SELECT count(*) FILTER (WHERE {Eligible(consent)}),
               count(*) FILTER (WHERE {Unsubscribed}),
               count(*) FILTER (WHERE NOT ({Unsubscribed}) AND {Capped(consent)})
        FROM customers c WHERE {segmentCondition}
        """;

    public static AudienceCount Read(DbDataReader reader) => new(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
}
