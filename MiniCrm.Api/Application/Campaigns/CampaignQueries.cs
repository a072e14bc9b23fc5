using MiniCrm.Api.Http;
using MiniCrm.Core.Segments;
using Npgsql;
using NpgsqlTypes;

namespace MiniCrm.Api.Application.Campaigns;

/// <summary>Campaigns as the list, a campaign's page, its chart and its log read them; the endpoints and the pages share it.</summary>
public sealed class CampaignQueries(CrmDbContext db, TimeProvider clock)
{
    /// <param name="status">Only campaigns in this status (SCHEDULED, RUNNING, PAUSED, COMPLETED, CANCELLED).</param>
    /// <param name="search">Only campaigns whose name contains these words.</param>
    public async Task<Result<Page<CampaignView>>> ListAsync(int? limit, string? cursor, string? status, string? search, CancellationToken ct)
    {
        // A journey's campaigns (one per send step and chunk of customers) are listed with their journey.
        var conditions = new List<string> { "journey_id IS NULL" };
        var parameters = new List<NpgsqlParameter>();
        var errors = new List<FieldError>();
        if (!string.IsNullOrEmpty(status))
        {
            if (Enum.TryParse<CampaignStatus>(status, ignoreCase: true, out var wanted) && Enum.IsDefined(wanted) && !int.TryParse(status, out _))
            {
                parameters.Add(new NpgsqlParameter("status", NpgsqlDbType.Text) { Value = wanted.ToString().ToUpperInvariant() });
                conditions.Add("status = @status");
            }
            else
            {
                errors.Add(new FieldError("status", "Use SCHEDULED, RUNNING, PAUSED, COMPLETED or CANCELLED."));
            }
        }

        if (TextSearch.Add(search, ["name"], conditions, parameters) is { } problem)
        {
            errors.Add(problem);
        }

        return errors.Count > 0
            ? CrmProblem.Invalid(errors)
            : await NewestFirstPage.ReadAsync(db, db.Campaigns, "campaigns", limit, cursor, c => c.Id, c => c.CreatedAt, CampaignView.From, ct, conditions, parameters);
    }

    /// <summary>One campaign with its live counters and every status change.</summary>
    public async Task<Result<CampaignView>> GetAsync(Guid id, CancellationToken ct)
    {
        if (await db.Campaigns.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct) is not { } campaign)
        {
            return CrmProblem.NotFound("No campaign has this id.");
        }

        var history = await db.CampaignEvents.AsNoTracking().Where(e => e.CampaignId == id).OrderBy(e => e.Id)
            .Select(e => new CampaignEventView(e.Status, e.At, e.ChangedBy, db.Users.Where(u => u.Id == e.ChangedBy).Select(u => u.Name).FirstOrDefault()))
            .ToListAsync(ct);
        return CampaignView.From(campaign) with { History = history };
    }

    /// <summary>Deliveries per time bucket (sent and failed, by when the receipt came), for a campaign's chart.</summary>
    public async Task<Result<DeliveryTimeline>> TimelineAsync(Guid id, CancellationToken ct)
    {
        if (await db.Campaigns.AsNoTracking().Where(c => c.Id == id).Select(c => new { c.PreparedAt, c.CreatedAt, c.CompletedAt }).FirstOrDefaultAsync(ct) is not { } campaign)
        {
            return CrmProblem.NotFound("No campaign has this id.");
        }

        // From when its deliveries were written (dispatch starts then; dispatchedAt is when the last left).
        var from = campaign.PreparedAt ?? campaign.CreatedAt;
        var to = campaign.CompletedAt ?? clock.GetUtcNow();
        // About 40 bars whatever the campaign's length, each a whole number of seconds.
        var bucket = Math.Max(1, (int)Math.Ceiling((to - from).TotalSeconds / 40));
        var points = await db.ListAsync(
            """
            SELECT date_bin(make_interval(secs => @bucket), delivered_at, @from) AS at,
                   count(*) FILTER (WHERE status = 'SENT'), count(*) FILTER (WHERE status = 'FAILED')
            FROM communication_logs WHERE campaign_id = @campaign AND delivered_at IS NOT NULL
            GROUP BY 1 ORDER BY 1
            """,
            [new NpgsqlParameter("campaign", NpgsqlDbType.Uuid) { Value = id }, new NpgsqlParameter("bucket", NpgsqlDbType.Integer) { Value = bucket },
             new NpgsqlParameter("from", NpgsqlDbType.TimestampTz) { Value = from.UtcDateTime }],
            r => new TimelinePoint(new DateTimeOffset(r.GetFieldValue<DateTime>(0), TimeSpan.Zero), r.GetInt64(1), r.GetInt64(2)), ct);
        return new DeliveryTimeline(from, bucket, points);
    }

    /// <summary>A campaign's communication log, optionally of one status or whose customer's name or email contains <paramref name="search"/>.</summary>
    public async Task<Result<Page<LogEntryView>>> LogAsync(Guid id, int? limit, string? cursor, string? status, string? search, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        var parameters = new List<NpgsqlParameter> { new("campaign", NpgsqlDbType.Uuid) { Value = id } };
        var filter = LogFilter(status, search, parameters, errors);
        if (cursor is not null)
        {
            if (KeysetCursor.TryDecode(cursor, out _, out var after) && Guid.TryParse(after, out var afterId))
            {
                parameters.Add(new NpgsqlParameter("after", NpgsqlDbType.Uuid) { Value = afterId });
                filter += " AND customer_id > @after";
            }
            else
            {
                errors.Add(new FieldError("cursor", "Not a cursor this API returned."));
            }
        }

        if (errors.Count > 0)
        {
            return CrmProblem.Invalid(errors);
        }

        if (!await db.Campaigns.AnyAsync(c => c.Id == id, ct))
        {
            return CrmProblem.NotFound("No campaign has this id.");
        }

        var take = Paging.Clamp(limit);
        var rows = await db.ListAsync(
            $"""
            SELECT customer_id, customer_name, email, phone, personalized_msg, status, delivered_at, failure_reason, attempts
            FROM communication_logs WHERE campaign_id = @campaign {filter}
            ORDER BY customer_id LIMIT {take + 1}
            """,
            parameters,
            r =>
            {
                var status = Enum.Parse<DeliveryStatus>(r.GetString(5).Replace("_", ""), ignoreCase: true);
                DateTimeOffset? at = r.NullableField<DateTime>(6) is { } d ? new DateTimeOffset(d, TimeSpan.Zero) : null;
                return new LogEntryView(r.GetGuid(0), r.GetString(1), r.GetString(2), r.NullableString(3), r.GetString(4), status,
                    status == DeliveryStatus.Failed ? null : at, r.NullableString(7), r.GetInt32(8), status == DeliveryStatus.Failed ? at : null);
            },
            ct);
        string? next = null;
        if (rows.Count > take)
        {
            rows.RemoveAt(take);
            next = KeysetCursor.Encode("", rows[^1].CustomerId.ToString());
        }

        return new Page<LogEntryView>(rows, next);
    }

    /// <summary>Whether a campaign has this id.</summary>
    public Task<bool> ExistsAsync(Guid id, CancellationToken ct) => db.Campaigns.AnyAsync(c => c.Id == id, ct);

    /// <summary>The log's filters as SQL (after <c>campaign_id = @campaign</c>): one status, and words in the customer's name or email.</summary>
    public static string LogFilter(string? status, string? search, List<NpgsqlParameter> parameters, List<FieldError> errors)
    {
        var searched = new List<string>();
        if (TextSearch.Add(search, ["customer_name", "email"], searched, parameters) is { } problem)
        {
            errors.Add(problem);
        }

        var filter = string.Concat(searched.Select(c => " AND " + c));
        if (!string.IsNullOrEmpty(status))
        {
            if (status is "PENDING" or "SENT" or "FAILED" or "CANCELLED" or "HELD_OUT")
            {
                parameters.Add(new NpgsqlParameter("status", NpgsqlDbType.Text) { Value = status });
                filter += " AND status = @status";
            }
            else
            {
                errors.Add(new FieldError("status", "Use PENDING, SENT, FAILED, CANCELLED or HELD_OUT."));
            }
        }

        return filter;
    }
}
