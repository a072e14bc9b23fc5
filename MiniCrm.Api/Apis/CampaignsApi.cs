using MiniCrm.Api.Auth;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using MiniCrm.Api.Http;
using MiniCrm.Api.Services;
using MiniCrm.Core.Ai;
using MiniCrm.Core.Campaigns;
using MiniCrm.Core.Segments;
using MiniCrm.Core.Text;
using MiniCrm.ServiceDefaults.Operations;
using Npgsql;
using NpgsqlTypes;

namespace MiniCrm.Api.Apis;

/// <summary>A campaign; <c>intentProvider</c> and <c>summaryProvider</c> say who wrote those texts ("offline" or the AI provider).</summary>
public sealed record CampaignView(
    Guid Id, string Name, string CreatedBy, string Intent, string IntentProvider, JsonNode? Segment, string Message,
    int AudienceSize, CampaignStatus Status, int PendingCount, int SentCount, int FailedCount, string? Summary, string? SummaryProvider,
    int? SendRatePerSecond, DateTimeOffset CreatedAt, DateTimeOffset? PreparedAt, DateTimeOffset? DispatchedAt, DateTimeOffset? CompletedAt, int DispatchRound)
{
    public static CampaignView From(Campaign c) => new(
        c.Id, c.Name, c.CreatedBy, c.Intent, c.IntentProvider, JsonNode.Parse(c.Segment), c.Message, c.AudienceSize, c.Status,
        c.PendingCount, c.SentCount, c.FailedCount, c.Summary, c.SummaryProvider, c.SendRatePerSecond, c.CreatedAt, c.PreparedAt, c.DispatchedAt, c.CompletedAt, c.DispatchRound);
}

/// <summary>One delivery: <see cref="Attempts"/> counts its dispatches (more than one when no receipt came back in time).</summary>
public sealed record LogEntryView(Guid CustomerId, string CustomerName, string Email, string? Phone, string Message,
    DeliveryStatus Status, DateTimeOffset? DeliveredAt, string? FailureReason, int Attempts);

public static class CampaignsApi
{
    public const string NoAudience = "No customers match this segment.";

    public static IEndpointRouteBuilder MapCampaignsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/campaigns").WithTags("Campaigns").RequireAuthorization(CrmAuthentication.MarketerPolicy).ProducesProblem(StatusCodes.Status401Unauthorized);
        api.MapPost("/", LaunchCampaign).WithSummary("Launch a campaign: {name, rules, message, sendRatePerSecond?}")
            .RequireRateLimiting(AbuseLimits.Launch).WithBodyLimit(256 * 1024)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .Accepts<CampaignLaunch>("application/json")
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        api.MapGet("/", ListCampaigns).WithSummary("Campaigns, newest first");
        api.MapGet("/{id:guid}", GetCampaign).WithName("GetCampaign").WithSummary("One campaign with its live counters");
        api.MapGet("/{id:guid}/log", GetCampaignLog).WithSummary("A campaign's communication log, optionally of one status");
        return app;
    }

    /// <summary>
    /// Records the campaign and its audience size, measured on the same snapshot, and answers at once:
    /// the Workers write the audience's personalised log rows (in one transaction) and dispatch them.
    /// A million-customer audience never passes through the Api's memory.
    /// </summary>
    public static async Task<Results<Created<CampaignView>, ValidationProblem, ProblemHttpResult>> LaunchCampaign(
        HttpContext context, CrmDbContext db, SegmentQueries segments, CrmAssistant assistant, TimeProvider clock, DrainSignal drain, CancellationToken ct)
    {
        if (drain.IsDraining)
        {
            return Problems.Stopping(context);
        }

        var (document, error) = await JsonBody.ReadAsync(context.Request, ct);
        using var _ = document;
        if (error is not null)
        {
            return error;
        }

        var errors = new List<FieldError>();
        var root = document!.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            return Problems.Validation(new FieldError("body", "Send {\"name\", \"rules\", \"message\"}."));
        }

        var reader = new FieldReader(root, "", errors);
        var name = reader.String("name", required: true, 200);
        RuleGroup? group = null;
        if (!root.TryGetProperty("rules", out var rulesJson))
        {
            errors.Add(new FieldError("rules", "Required: a rule group, {\"combinator\": \"AND\", \"rules\": []} for everyone."));
        }
        else
        {
            group = RuleGroupParser.Parse(rulesJson, errors);
        }

        int? sendRate = null;
        if (root.TryGetProperty("sendRatePerSecond", out var rateJson) && rateJson.ValueKind != JsonValueKind.Null)
        {
            if (rateJson.ValueKind == JsonValueKind.Number && rateJson.TryGetInt32(out var rate) && rate is >= 1 and <= 1_000_000)
            {
                sendRate = rate;
            }
            else
            {
                errors.Add(new FieldError("sendRatePerSecond", "Optional: a whole number of deliveries per second, 1 to 1,000,000."));
            }
        }

        string? message = null;
        if (root.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String)
        {
            message = StoredText.Read(m, out var problem, allowLineBreaks: true);
            if (problem is not null)
            {
                errors.Add(new FieldError("message", problem));
            }
        }

        var template = message is null && errors.Any(e => e.Field == "message") ? null : MessageTemplate.Parse(message, errors);
        if (errors.Count > 0 || group is null || template is null || name is null)
        {
            return Problems.Validation(errors);
        }

        // Before the transaction, so no snapshot waits on a model; a slow one costs at most the AI timeout, then the offline intent is used.
        var intent = await assistant.IntentAsync(group, ct);
        var now = clock.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        var audience = await segments.CountAsync(SegmentSql.Compile(group, now), ct);
        if (audience == 0)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: NoAudience,
                detail: "The rules select no customer, so no campaign was created. Preview a segment with POST /api/segments/preview.");
        }

        var campaign = new Campaign
        {
            Id = Guid.CreateVersion7(now),
            Name = name,
            CreatedBy = context.User.UserId(),
            Segment = SegmentText.ToJson(group).ToJsonString(),
            Intent = intent.Value,
            IntentProvider = intent.Provider,
            Message = template.Text,
            AudienceSize = (int)audience,
            PendingCount = (int)audience,
            Status = CampaignStatus.Running,
            CreatedAt = now,
            TraceParent = System.Diagnostics.Activity.Current?.Id,
            SendRatePerSecond = sendRate,
        };
        db.Campaigns.Add(campaign);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);

        return TypedResults.Created($"/api/campaigns/{campaign.Id}", CampaignView.From(campaign));
    }

    public static async Task<Results<Ok<Page<CampaignView>>, ValidationProblem>> ListCampaigns(
        CrmDbContext db, int? limit, string? cursor, CancellationToken ct)
    {
        var take = Paging.Clamp(limit);
        var parameters = new List<NpgsqlParameter>();
        var keyset = "";
        if (cursor is not null)
        {
            if (!KeysetCursor.TryDecode(cursor, out var value, out var id) || !Guid.TryParse(id, out var afterId) ||
                !DateTime.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var created))
            {
                return Problems.Validation(new FieldError("cursor", "Not a cursor this API returned."));
            }

            parameters.Add(new NpgsqlParameter("after_value", NpgsqlDbType.TimestampTz) { Value = created });
            parameters.Add(new NpgsqlParameter("after_id", NpgsqlDbType.Uuid) { Value = afterId });
            keyset = "WHERE (created_at, id) < (@after_value, @after_id)";
        }

        var ids = await db.ListAsync($"SELECT id FROM campaigns {keyset} ORDER BY created_at DESC, id DESC LIMIT {take + 1}", parameters, r => r.GetGuid(0), ct);
        var page = ids.Take(take).ToList();
        var campaigns = await db.Campaigns.AsNoTracking().Where(c => page.Contains(c.Id)).ToListAsync(ct);
        var ordered = campaigns.OrderByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id).Select(CampaignView.From).ToList();
        var next = ids.Count > take
            ? KeysetCursor.Encode(ordered[^1].CreatedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture), ordered[^1].Id.ToString())
            : null;
        return TypedResults.Ok(new Page<CampaignView>(ordered, next));
    }

    public static async Task<Results<Ok<CampaignView>, NotFound>> GetCampaign(Guid id, CrmDbContext db, CancellationToken ct) =>
        await db.Campaigns.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct) is { } campaign
            ? TypedResults.Ok(CampaignView.From(campaign))
            : TypedResults.NotFound();

    public static async Task<Results<Ok<Page<LogEntryView>>, NotFound, ValidationProblem>> GetCampaignLog(
        Guid id, CrmDbContext db, int? limit, string? cursor, string? status, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        var parameters = new List<NpgsqlParameter> { new("campaign", NpgsqlDbType.Uuid) { Value = id } };
        var filter = "";
        if (!string.IsNullOrEmpty(status))
        {
            if (status is "PENDING" or "SENT" or "FAILED")
            {
                parameters.Add(new NpgsqlParameter("status", NpgsqlDbType.Text) { Value = status });
                filter += " AND status = @status";
            }
            else
            {
                errors.Add(new FieldError("status", "Use PENDING, SENT or FAILED."));
            }
        }

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
            return Problems.Validation(errors);
        }

        if (!await db.Campaigns.AnyAsync(c => c.Id == id, ct))
        {
            return TypedResults.NotFound();
        }

        var take = Paging.Clamp(limit);
        var rows = await db.ListAsync(
            $"""
            SELECT customer_id, customer_name, email, phone, personalized_msg, status, delivered_at, failure_reason, attempts
            FROM communication_logs WHERE campaign_id = @campaign {filter}
            ORDER BY customer_id LIMIT {take + 1}
            """,
            parameters,
            r => new LogEntryView(r.GetGuid(0), r.GetString(1), r.GetString(2), r.NullableString(3), r.GetString(4),
                Enum.Parse<DeliveryStatus>(r.GetString(5), ignoreCase: true),
                r.NullableField<DateTime>(6) is { } d ? new DateTimeOffset(d, TimeSpan.Zero) : null, r.NullableString(7), r.GetInt32(8)),
            ct);
        string? next = null;
        if (rows.Count > take)
        {
            rows.RemoveAt(take);
            next = KeysetCursor.Encode("", rows[^1].CustomerId.ToString());
        }

        return TypedResults.Ok(new Page<LogEntryView>(rows, next));
    }
}
