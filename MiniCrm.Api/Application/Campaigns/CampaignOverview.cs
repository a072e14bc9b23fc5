using MiniCrm.Core.Outcomes;
using Npgsql;
using NpgsqlTypes;

namespace MiniCrm.Api.Application.Campaigns;

/// <summary>
/// The home page's figures (README, "What a campaign earned": the overview): the campaigns that started in the last
/// <c>days</c>, the messages they delivered, the revenue attributed to them and what they earned beyond their control
/// groups, and the best of them by incremental revenue. One set-based query over the campaigns of the period and their
/// kept conversion rows.
/// </summary>
public sealed class CampaignOverview(CrmDbContext db, TimeProvider clock)
{
    /// <summary>How many campaigns the overview ranks.</summary>
    public const int BestShown = 5;

    public async Task<Result<Overview>> ReadAsync(int? days, CancellationToken ct)
    {
        var span = days ?? 30;
        if (span is < 1 or > 365)
        {
            return CrmProblem.Invalid(new MiniCrm.Core.Segments.FieldError("days", "Must be between 1 and 365."));
        }

        var now = clock.GetUtcNow();
        var from = now.AddDays(-span);
        var rows = await db.ListAsync(Sql, [new NpgsqlParameter("from", NpgsqlDbType.TimestampTz) { Value = from.UtcDateTime }],
            r => new
            {
                Id = r.GetGuid(0), Name = r.GetString(1), Status = Enum.Parse<CampaignStatus>(r.GetString(2), ignoreCase: true),
                Started = new DateTimeOffset(r.GetDateTime(3), TimeSpan.Zero), Sent = (long)r.GetInt32(4), Held = (long)r.GetInt32(5),
                Conversions = r.GetInt64(6), Revenue = r.GetDecimal(7), HeldRevenue = r.GetDecimal(8), Final = r.GetBoolean(9),
            }, ct);
        var campaigns = rows.Select(c => new CampaignEarnings(c.Id, c.Name, c.Status, c.Started, c.Sent, c.Held, c.Conversions, c.Revenue,
            c.Held > 0 ? CampaignOutcomes.Incremental(c.Sent, c.Revenue, c.Held, c.HeldRevenue) : null,
            c.Final)).ToList();
        var best = campaigns.Where(c => c.IncrementalRevenue > 0).OrderByDescending(c => c.IncrementalRevenue).ThenByDescending(c => c.StartedAt)
            .Take(BestShown).ToList();
        return new Overview(from, now, span, campaigns.Count, campaigns.Sum(c => c.Messaged), campaigns.Sum(c => c.HeldOut),
            campaigns.Sum(c => c.Revenue), campaigns.Sum(c => c.IncrementalRevenue ?? 0), campaigns.Count(c => c.IncrementalRevenue is not null), best);
    }

    /// <summary>Per campaign that started since @from: its counters, its messaged group's conversions and revenue, the held-out group's revenue, whether its results are final.</summary>
    private const string Sql = """
        SELECT c.id, c.name, c.status, c.prepared_at, c.sent_count, c.held_out_count,
               count(x.customer_id) FILTER (WHERE NOT x.held), coalesce(sum(x.revenue) FILTER (WHERE NOT x.held), 0),
               coalesce(sum(x.revenue) FILTER (WHERE x.held), 0), c.results_final_at IS NOT NULL
        FROM campaigns c LEFT JOIN campaign_conversions x ON x.campaign_id = c.id
        WHERE c.prepared_at >= @from AND c.journey_id IS NULL -- journeys have their own page
        GROUP BY c.id
        ORDER BY c.prepared_at DESC
        """;
}

/// <summary>
/// The last <see cref="Days"/> days: campaigns started, messages delivered (SENT), customers held out, the revenue
/// attributed to the messaged customers, the incremental revenue of the campaigns that had a control group (how many:
/// <see cref="CampaignsWithControlGroup"/>), and the best of those by incremental revenue (those that earned more than
/// their control group).
/// </summary>
public sealed record Overview(
    DateTimeOffset From, DateTimeOffset To, int Days, int CampaignsSent, long Messages, long HeldOut, decimal AttributedRevenue,
    decimal IncrementalRevenue, int CampaignsWithControlGroup, IReadOnlyList<CampaignEarnings> Best);

/// <summary>One campaign's earnings: <see cref="IncrementalRevenue"/> is null without a control group.</summary>
public sealed record CampaignEarnings(
    Guid Id, string Name, CampaignStatus Status, DateTimeOffset StartedAt, long Messaged, long HeldOut, long Conversions, decimal Revenue,
    decimal? IncrementalRevenue, bool Final);
