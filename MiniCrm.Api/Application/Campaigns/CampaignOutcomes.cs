using System.Globalization;
using MiniCrm.Core.Outcomes;
using Npgsql;
using NpgsqlTypes;

namespace MiniCrm.Api.Application.Campaigns;

/// <summary>
/// What a campaign earned, read from the kept tally (<see cref="AttributionSql"/>: one row per customer who ordered in the
/// window, recomputed by the Workers whenever a customer's orders change) and the campaign's exact counters (the messaged
/// customers are those with a SENT delivery, the held-out ones its HELD_OUT rows): per group the customers, conversions,
/// orders and revenue (and the sum of squares of the revenue per customer, for its interval), the last-touch revenue, and
/// the cumulative conversions over time. Reading never recounts the campaign: it sums the rows of the customers who ordered.
/// The lift and its intervals are <see cref="Lift"/>'s.
/// </summary>
public sealed class CampaignOutcomes(CrmDbContext db, TimeProvider clock)
{
    /// <summary>Below this many customers in either group the verdict is "too early to tell", whatever the interval says.</summary>
    public const int SmallestGroup = 100;

    /// <summary>How many steps the cumulative conversions are drawn in, from the start to now (or the window's close).</summary>
    public const int Steps = 24;

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

        var parameter = new NpgsqlParameter("id", NpgsqlDbType.Uuid) { Value = id };
        var groups = await db.ListAsync(Sql, [parameter],
            r => (Held: r.GetBoolean(0), Converted: r.GetInt64(1), Orders: r.GetInt64(2), Revenue: r.GetDecimal(3), SumOfSquares: r.GetDecimal(4), LastTouch: r.GetDecimal(5)), ct);
        var messaged = groups.FirstOrDefault(g => !g.Held);
        var held = groups.FirstOrDefault(g => g.Held);
        var now = clock.GetUtcNow();
        var closes = WindowClosesAt(campaign, now);
        var final = campaign.ResultsFinalAt is not null; // marked by the Workers once the window and its late hour are over

        var m = Group(campaign.SentCount, messaged.Converted, messaged.Orders, messaged.Revenue);
        var h = Group(campaign.HeldOutCount, held.Converted, held.Orders, held.Revenue);
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

        var incremental = h.Customers > 0 ? Incremental(m.Customers, m.Revenue, h.Customers, h.Revenue) : 0m;
        var over = await CumulativeAsync(id, start, now < closes ? now : closes, ct);
        // Other campaigns that went out while this one's window was open: its held-out customers may have got them. A journey's
        // messages go out as many small campaigns of it: the journey counts once.
        var overlapping = await db.Campaigns.Where(c => c.Id != id && c.PreparedAt != null && c.PreparedAt > start && c.PreparedAt < closes)
            .Select(c => c.JourneyId ?? c.Id).Distinct().CountAsync(ct);
        return new CampaignResults(id, campaign.AttributionDays, campaign.HoldoutPercent, final, closes, m, h, m.Revenue, messaged.LastTouch,
            conversion, perCustomer, incremental, Verdict(m, h, conversion, final, campaign.AttributionDays), over, overlapping);
    }

    /// <summary>
    /// What the messaged customers spent beyond what as many held-out customers spent: messaged revenue − held-out revenue ×
    /// messaged ÷ held out (the difference in revenue per customer times the messaged customers), to the cent.
    /// </summary>
    public static decimal Incremental(long messaged, decimal revenue, long heldOut, decimal heldOutRevenue) =>
        heldOut == 0 ? 0m : Math.Round(revenue - heldOutRevenue * messaged / heldOut, 2);

    /// <summary>The revenue attributed to each of <paramref name="ids"/> (its messaged customers' orders in their windows), for the campaigns list.</summary>
    public async Task<Dictionary<Guid, decimal>> RevenueOfAsync(IReadOnlyCollection<Guid> ids, CancellationToken ct) =>
        ids.Count == 0 ? [] : (await db.ListAsync(
            "SELECT campaign_id, sum(revenue) FROM campaign_conversions WHERE campaign_id = ANY(@ids) AND NOT held GROUP BY campaign_id",
            [new NpgsqlParameter("ids", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { Value = ids.ToArray() }], r => (Id: r.GetGuid(0), Revenue: r.GetDecimal(1)), ct))
            .ToDictionary(r => r.Id, r => r.Revenue);

    /// <summary>
    /// When the campaign's window closes: its attribution days after its completion or last receipt, whichever came later,
    /// or after now while it still sends (the same as <see cref="AttributionSql.ClosesAt"/>). The verdict does not repeat
    /// it: a page shows it in the reader's own time zone, the API as <c>windowClosesAt</c>.
    /// </summary>
    public static DateTimeOffset WindowClosesAt(Campaign campaign, DateTimeOffset now)
    {
        var last = campaign.CompletedAt is { } completed
            ? (campaign.LastReceiptAt is { } receipt && receipt > completed ? receipt : completed)
            : now;
        return last.AddDays(campaign.AttributionDays);
    }

    /// <summary>
    /// Conversions so far per group at <see cref="Steps"/> even steps from the start to <paramref name="until"/> (a customer
    /// converts at their first attributed order).
    /// </summary>
    private async Task<IReadOnlyList<ConversionPoint>> CumulativeAsync(Guid id, DateTimeOffset start, DateTimeOffset until, CancellationToken ct)
    {
        var stride = Math.Max(1, Math.Ceiling((until - start).TotalSeconds / Steps));
        var counts = await db.ListAsync(Series,
            [new NpgsqlParameter("id", NpgsqlDbType.Uuid) { Value = id }, new NpgsqlParameter("start", NpgsqlDbType.TimestampTz) { Value = start.UtcDateTime },
             new NpgsqlParameter("stride", NpgsqlDbType.Double) { Value = stride }],
            r => (Step: r.GetInt32(0), Messaged: r.GetInt64(1), Held: r.GetInt64(2)), ct);
        var points = new List<ConversionPoint>(Steps + 1) { new(start, 0, 0) };
        long messaged = 0, held = 0;
        for (var step = 1; step <= Steps; step++)
        {
            foreach (var c in counts.Where(c => c.Step == step))
            {
                (messaged, held) = (messaged + c.Messaged, held + c.Held);
            }

            points.Add(new ConversionPoint(start.AddSeconds(stride * step), messaged, held));
        }

        return points;
    }

    /// <summary>The verdict in words: the difference in points and its interval, and whether it says anything yet.</summary>
    public static string Verdict(GroupResult messaged, GroupResult held, Difference conversion, bool final, int days)
    {
        if (messaged.Customers == 0 && held.Customers == 0)
        {
            return "No message delivered yet.";
        }

        if (held.Customers == 0)
        {
            return $"{messaged.Conversions:N0} of {messaged.Customers:N0} messaged customers ordered within {days} days ({Figures.Percent(messaged.ConversionRate)}). " +
                   "There is no control group, so how many would have ordered anyway is unknown: hold some customers out next time.";
        }

        var range = conversion is { Low: { } low, High: { } high }
            ? $"{Figures.Points(conversion.Estimate)}, between {Figures.Points(low)} and {Figures.Points(high)}"
            : Figures.Points(conversion.Estimate);
        if (messaged.Customers < SmallestGroup || held.Customers < SmallestGroup)
        {
            return $"Too early to tell: {range}, but the groups are small ({messaged.Customers:N0} messaged, {held.Customers:N0} held out).";
        }

        if (conversion is { Low: > 0 })
        {
            return $"{range}: the campaign made a difference{(final ? "" : " so far (the window is still open)")}.";
        }

        if (conversion is { High: < 0 })
        {
            return $"{range}: fewer of the messaged customers ordered than of those held out{(final ? "" : " so far (the window is still open)")}.";
        }

        return final
            ? $"No clear difference: {range}."
            : $"Too early to tell: {range}; the window is still open.";
    }

    private static GroupResult Group(long customers, long converted, long orders, decimal revenue) =>
        new(customers, converted, orders, revenue, customers == 0 ? 0 : (double)converted / customers, customers == 0 ? 0 : (double)revenue / customers);

    private static double Sd(decimal sum, decimal sumOfSquares, long n) => Lift.StandardDeviation((double)sum, (double)sumOfSquares, n);

    private static CampaignResults Empty(Campaign campaign, GroupResult none, string verdict) =>
        new(campaign.Id, campaign.AttributionDays, campaign.HoldoutPercent, false, null, none, none, 0, 0, new Difference(0, null, null), new Difference(0, null, null), 0, verdict, [], 0);

    /// <summary>Per group (held out or messaged): the customers who ordered, their orders, revenue, sum of squared revenue, last-touch revenue.</summary>
    private const string Sql = """
        SELECT held, count(*), sum(orders)::bigint, sum(revenue), sum(revenue * revenue), sum(last_touch)
        FROM campaign_conversions WHERE campaign_id = @id
        GROUP BY held
        """;

    /// <summary>First orders per step of @stride seconds from @start (step 1 ends one stride after the start), per group.</summary>
    private static readonly string Series = $"""
        SELECT least(greatest(ceil(extract(epoch FROM first_order_at - @start) / @stride), 1), {Steps})::int AS step,
               count(*) FILTER (WHERE NOT held), count(*) FILTER (WHERE held)
        FROM campaign_conversions WHERE campaign_id = @id
        GROUP BY 1
        """;
}
