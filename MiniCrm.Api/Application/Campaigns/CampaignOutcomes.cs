using System.Globalization;
using MiniCrm.Core.Outcomes;
using Npgsql;
using NpgsqlTypes;

namespace MiniCrm.Api.Application.Campaigns;

/// <summary>
/// What a campaign earned, from the stored facts (its log rows and the customers' orders), in one set-based query: each
/// messaged customer's COMPLETED orders from their delivery to the end of the attribution window, each held-out customer's
/// from the campaign's start; per group the customers, conversions, orders and revenue (and the sum of squares of the
/// revenue per customer, for its interval); the last-touch revenue (an order no later delivery of another campaign came
/// before). Orders that arrive late, twice, refunded or through an import change the stored facts, and the figures follow
/// them. The lift and its intervals are <see cref="Lift"/>'s.
/// </summary>
public sealed class CampaignOutcomes(CrmDbContext db, TimeProvider clock)
{
    /// <summary>Below this many customers in either group the verdict is "too early to tell", whatever the interval says.</summary>
    public const int SmallestGroup = 100;

    public async Task<Result<CampaignResults>> ResultsAsync(Guid id, CancellationToken ct)
    {
        if (await db.Campaigns.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct) is not { } campaign)
        {
            return CrmProblem.NotFound("No campaign has this id.");
        }

        var none = new GroupResult(0, 0, 0, 0, 0, 0);
        if (campaign.PreparedAt is not { } start)
        {
            return Empty(campaign, none, "Not started yet: results begin when its messages go out.");
        }

        var groups = await db.ListAsync(Sql,
            [new NpgsqlParameter("id", NpgsqlDbType.Uuid) { Value = id }, new NpgsqlParameter("start", NpgsqlDbType.TimestampTz) { Value = start.UtcDateTime },
             new NpgsqlParameter("days", NpgsqlDbType.Integer) { Value = campaign.AttributionDays }],
            r => (Held: r.GetBoolean(0), Customers: r.GetInt64(1), Converted: r.GetInt64(2), Orders: r.GetInt64(3), Revenue: r.GetDecimal(4),
                  SumOfSquares: r.GetDecimal(5), LastTouch: r.GetDecimal(6), LastDelivery: r.IsDBNull(7) ? (DateTime?)null : r.GetDateTime(7)), ct);
        var messaged = groups.FirstOrDefault(g => !g.Held);
        var held = groups.FirstOrDefault(g => g.Held);
        var lastDelivery = messaged.LastDelivery is { } last ? new DateTimeOffset(last, TimeSpan.Zero) : start;
        var closes = (lastDelivery > start ? lastDelivery : start).AddDays(campaign.AttributionDays);
        var final = campaign.Status is CampaignStatus.Completed or CampaignStatus.Cancelled && clock.GetUtcNow() >= closes;

        var m = Group(messaged.Customers, messaged.Converted, messaged.Orders, messaged.Revenue);
        var h = Group(held.Customers, held.Converted, held.Orders, held.Revenue);
        var rates = m.ConversionRate - h.ConversionRate;
        var conversion = new Difference(rates, null, null);
        if (m.Customers > 0 && h.Customers > 0)
        {
            var interval = Lift.ProportionDifference(m.Conversions, m.Customers, h.Conversions, h.Customers);
            conversion = conversion with { Low = interval.Low, High = interval.High };
        }

        var perCustomer = new Difference(m.RevenuePerCustomer - h.RevenuePerCustomer, null, null);
        if (m.Customers >= 2 && h.Customers >= 2)
        {
            var interval = Lift.MeanDifference(m.RevenuePerCustomer, Sd(messaged.Revenue, messaged.SumOfSquares, m.Customers), m.Customers,
                h.RevenuePerCustomer, Sd(held.Revenue, held.SumOfSquares, h.Customers), h.Customers);
            perCustomer = perCustomer with { Low = interval.Low, High = interval.High };
        }

        var incremental = h.Customers > 0 ? Math.Round((decimal)(m.RevenuePerCustomer - h.RevenuePerCustomer) * m.Customers, 2) : 0m;
        return new CampaignResults(id, campaign.AttributionDays, campaign.HoldoutPercent, final, closes, m, h, m.Revenue, messaged.LastTouch,
            conversion, perCustomer, incremental, Verdict(m, h, conversion, final, closes, campaign.AttributionDays));
    }

    /// <summary>The verdict in words: the difference in points and its interval, and whether it says anything yet.</summary>
    public static string Verdict(GroupResult messaged, GroupResult held, Difference conversion, bool final, DateTimeOffset closes, int days)
    {
        if (messaged.Customers == 0 && held.Customers == 0)
        {
            return "No message delivered yet.";
        }

        if (held.Customers == 0)
        {
            return $"{messaged.Conversions:N0} of {messaged.Customers:N0} messaged customers ordered within {days} days ({Percent(messaged.ConversionRate)}). " +
                   "There is no control group, so how many would have ordered anyway is unknown: hold some customers out next time.";
        }

        var range = conversion is { Low: { } low, High: { } high }
            ? $"{Points(conversion.Estimate)}, between {Points(low)} and {Points(high)}"
            : Points(conversion.Estimate);
        if (messaged.Customers < SmallestGroup || held.Customers < SmallestGroup)
        {
            return $"Too early to tell: {range}, but the groups are small ({messaged.Customers:N0} messaged, {held.Customers:N0} held out).";
        }

        var when = string.Create(CultureInfo.InvariantCulture, $"{closes:yyyy-MM-dd HH:mm} UTC");
        if (conversion is { Low: > 0 })
        {
            return $"{range}: the campaign made a difference{(final ? "" : $" so far (the window closes {when})")}.";
        }

        if (conversion is { High: < 0 })
        {
            return $"{range}: fewer of the messaged customers ordered than of those held out{(final ? "" : $" so far (the window closes {when})")}.";
        }

        return final
            ? $"No clear difference: {range}."
            : $"Too early to tell: {range}; the window closes {when}.";
    }

    private static string Points(double difference) =>
        (difference >= 0 ? "+" : "−") + Math.Abs(difference * 100).ToString("0.0", CultureInfo.InvariantCulture) + " points";

    private static string Percent(double rate) => (rate * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    private static GroupResult Group(long customers, long converted, long orders, decimal revenue) =>
        new(customers, converted, orders, revenue, customers == 0 ? 0 : (double)converted / customers, customers == 0 ? 0 : (double)revenue / customers);

    private static double Sd(decimal sum, decimal sumOfSquares, long n) => Lift.StandardDeviation((double)sum, (double)sumOfSquares, n);

    private static CampaignResults Empty(Campaign campaign, GroupResult none, string verdict) =>
        new(campaign.Id, campaign.AttributionDays, campaign.HoldoutPercent, false, null, none, none, 0, 0, new Difference(0, null, null), new Difference(0, null, null), 0, verdict);

    /// <summary>
    /// Per group (held out or messaged): its customers, those with an attributed order, the orders, their revenue, the sum of
    /// squared revenue per customer, the last-touch revenue, and the last delivery. The later deliveries that take an order
    /// away from last touch are looked up only for the customers who ordered, among rows written since this campaign started
    /// (the log's BRIN index on created_at).
    /// </summary>
    private const string Sql = """
        WITH members AS (
            SELECT l.customer_id, l.status = 'HELD_OUT' AS held, CASE WHEN l.status = 'HELD_OUT' THEN @start ELSE l.delivered_at END AS since
            FROM communication_logs l
            WHERE l.campaign_id = @id AND l.status IN ('SENT', 'HELD_OUT')
        ), hits AS (
            SELECT m.held, m.customer_id, m.since, o.amount, o.order_date
            FROM members m
            JOIN orders o ON o.customer_id = m.customer_id AND o.status = 'COMPLETED'
                         AND o.order_date > m.since AND o.order_date <= m.since + make_interval(days => @days)
        ), later AS (
            SELECT l.customer_id, l.delivered_at
            FROM communication_logs l
            WHERE l.created_at >= @start AND l.campaign_id <> @id AND l.status = 'SENT'
              AND l.customer_id IN (SELECT customer_id FROM hits WHERE NOT held)
        ), per_customer AS (
            SELECT h.held, h.customer_id, count(*) AS orders, sum(h.amount) AS revenue,
                   coalesce(sum(h.amount) FILTER (WHERE NOT h.held AND NOT EXISTS (
                       SELECT 1 FROM later x WHERE x.customer_id = h.customer_id AND x.delivered_at > h.since AND x.delivered_at < h.order_date)), 0) AS last_touch
            FROM hits h
            GROUP BY h.held, h.customer_id
        ), sizes AS (
            SELECT held, count(*) AS customers, max(since) AS last_since FROM members GROUP BY held
        )
        SELECT s.held, s.customers, count(p.customer_id), coalesce(sum(p.orders), 0)::bigint, coalesce(sum(p.revenue), 0),
               coalesce(sum(p.revenue * p.revenue), 0), coalesce(sum(p.last_touch), 0), CASE WHEN NOT s.held THEN s.last_since END
        FROM sizes s LEFT JOIN per_customer p ON p.held = s.held
        GROUP BY s.held, s.customers, s.last_since
        """;
}
