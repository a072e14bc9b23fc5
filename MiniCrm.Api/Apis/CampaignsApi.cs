using MiniCrm.Api.Auth;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using MiniCrm.Api.Http;
using MiniCrm.Api.Services;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MiniCrm.Core.Consent;
using MiniCrm.Core.Campaigns;
using MiniCrm.Core.Segments;
using MiniCrm.Core.Text;
using MiniCrm.ServiceDefaults.Operations;
using Npgsql;
using NpgsqlTypes;

namespace MiniCrm.Api.Apis;

/// <summary>
/// A campaign; <c>intentProvider</c> and <c>summaryProvider</c> say who wrote those texts ("offline" or the AI
/// provider); sent + failed + cancelled + pending = audience. <c>history</c> (one campaign only) lists every
/// status change with its time and who made it. <c>sendAt</c> is when a SCHEDULED campaign starts; <c>notice</c> (launch only)
/// says what a marketer should know about the answer.
/// </summary>
public sealed record CampaignView(
    Guid Id, string Name, string CreatedBy, string Intent, string IntentProvider, JsonNode? Segment, string Message,
    int AudienceSize, int ExcludedForConsent, int ExcludedForFrequencyCap, bool SmartSending, int ExcludedForSmartSending, CampaignStatus Status, int PendingCount, int SentCount, int FailedCount, int CancelledCount, string? Summary, string? SummaryProvider,
    int? SendRatePerSecond, DateTimeOffset CreatedAt, DateTimeOffset? SendAt, string? TimeZone, Guid? SegmentId,
    DateTimeOffset? PreparedAt, DateTimeOffset? DispatchedAt, DateTimeOffset? CompletedAt, int DispatchRound,
    IReadOnlyList<CampaignEventView>? History = null, string? Notice = null)
{
    public static CampaignView From(Campaign c) => new(
        c.Id, c.Name, c.CreatedBy, c.Intent, c.IntentProvider, JsonNode.Parse(c.Segment), c.Message, c.AudienceSize, c.ExcludedForConsent, c.ExcludedForFrequencyCap, c.SmartSending, c.ExcludedForSmartSending, c.Status,
        c.PendingCount, c.SentCount, c.FailedCount, c.CancelledCount, c.Summary, c.SummaryProvider, c.SendRatePerSecond, c.CreatedAt, c.SendAt, c.TimeZone, c.SegmentId,
        c.PreparedAt, c.DispatchedAt, c.CompletedAt, c.DispatchRound);
}

/// <summary>
/// A test send the vendor took: <c>deliveryId</c> is the vendor's id for it, <c>message</c> what was sent (rendered for
/// <c>customerId</c>), <c>sentTo</c> the address it went to (the customer's, or the one given in <c>to</c>).
/// </summary>
public sealed record TestSendAnswer(Guid DeliveryId, Guid CustomerId, string Message, string SentTo);

/// <summary>Deliveries per <c>bucketSeconds</c> from <c>from</c>: each point is a bucket's start with its sent and failed counts.</summary>
public sealed record DeliveryTimeline(DateTimeOffset From, int BucketSeconds, IReadOnlyList<TimelinePoint> Points);

public sealed record TimelinePoint(DateTimeOffset At, long Sent, long Failed);

/// <summary>One status change: <c>by</c> is the marketer's user id and <c>byName</c> their name; both null for the system.</summary>
public sealed record CampaignEventView(CampaignStatus Status, DateTimeOffset At, string? By, string? ByName);

/// <summary>
/// One delivery: <see cref="DeliveredAt"/> when a SENT one was delivered, <see cref="FailedAt"/> when a FAILED one failed
/// (with <see cref="FailureReason"/>); <see cref="Attempts"/> counts its dispatches (more than one when no receipt came back in time).
/// </summary>
public sealed record LogEntryView(Guid CustomerId, string CustomerName, string Email, string? Phone, string Message,
    DeliveryStatus Status, DateTimeOffset? DeliveredAt, string? FailureReason, int Attempts, DateTimeOffset? FailedAt = null);

public static class CampaignsApi
{
    public const string NoAudience = CampaignLauncher.NoAudience;

    /// <summary>What a test send's Idempotency-Key stands for, with its body.</summary>
    public const string TestSendOperation = "POST /api/campaigns/test-send";

    public static IEndpointRouteBuilder MapCampaignsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/campaigns").WithTags("Campaigns").RequireAuthorization(CrmAuthentication.MarketerPolicy).ProducesProblem(StatusCodes.Status401Unauthorized);
        api.MapPost("/", LaunchCampaign).WithSummary("Launch a campaign: {name, rules or segmentId, message, smartSending?, sendAt?, sendRatePerSecond?}; takes an Idempotency-Key")
            .RequireRateLimiting(AbuseLimits.Launch).WithBodyLimit(256 * 1024)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .Accepts<CampaignLaunch>("application/json")
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        api.MapPost("/check", CheckCampaign).WithSummary("Check a campaign as a launch would, without launching it: 204, or 400 with every field to fix")
            .RequireRateLimiting(AbuseLimits.Preview).WithBodyLimit(256 * 1024).Accepts<CampaignLaunch>("application/json")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType).ProducesProblem(StatusCodes.Status429TooManyRequests);
        api.MapPut("/{id:guid}", EditScheduledCampaign).WithSummary("Change a SCHEDULED campaign before it starts: the launch's fields, sendAt required")
            .RequireRateLimiting(AbuseLimits.Launch).WithBodyLimit(256 * 1024).Accepts<CampaignLaunch>("application/json")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType).ProducesProblem(StatusCodes.Status429TooManyRequests);
        api.MapGet("/", ListCampaigns).WithSummary("Campaigns, newest first");
        api.MapGet("/{id:guid}", GetCampaign).WithName("GetCampaign").WithSummary("One campaign with its live counters");
        api.MapGet("/{id:guid}/log", GetCampaignLog).WithSummary("A campaign's communication log, optionally of one status or whose customer's name or email contains {search}");
        api.MapGet("/{id:guid}/log.csv", DownloadLog).WithSummary("The communication log as CSV: all of it, or of one status and/or whose customer's name or email contains {search}");
        api.MapGet("/{id:guid}/timeline", GetTimeline).WithSummary("Deliveries over time (sent and failed per bucket), for a chart");
        api.MapPost("/test-send", TestSend).WithSummary("Send a message rendered for one customer, to them or to your own address, without a campaign: {message, customerId, to?: {email?, phone?}}; takes an Idempotency-Key")
            .RequireRateLimiting(AbuseLimits.Launch).WithBodyLimit(64 * 1024).Accepts<TestSendRequest>("application/json")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType).ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        api.MapPut("/{id:guid}/schedule", RescheduleCampaign).WithSummary("Move a SCHEDULED campaign to another time: {sendAt, timeZone?}")
            .RequireRateLimiting(AbuseLimits.Launch).ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType).ProducesProblem(StatusCodes.Status429TooManyRequests);
        api.MapPost("/{id:guid}/pause", PauseCampaign).WithSummary("Pause a RUNNING campaign: dispatch stops within seconds")
            .RequireRateLimiting(AbuseLimits.Launch).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status429TooManyRequests);
        api.MapPost("/{id:guid}/resume", ResumeCampaign).WithSummary("Resume a PAUSED campaign where it stopped")
            .RequireRateLimiting(AbuseLimits.Launch).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status429TooManyRequests);
        api.MapPost("/{id:guid}/cancel", CancelCampaign).WithSummary("Cancel a SCHEDULED, RUNNING or PAUSED campaign: what is not sent yet is CANCELLED")
            .RequireRateLimiting(AbuseLimits.Launch).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status429TooManyRequests);
        return app;
    }

    /// <summary>Launches a campaign (<see cref="CampaignLauncher"/>); refused while MiniCRM drains for a stop.</summary>
    public static async Task<Results<Created<CampaignView>, ValidationProblem, ProblemHttpResult>> LaunchCampaign(
        HttpContext context, CampaignLauncher launcher, DrainSignal drain, CancellationToken ct)
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

        var key = Idempotency.Read(context.Request, out var keyProblem);
        return keyProblem is not null
            ? Problems.Validation(keyProblem)
            : Answer(await launcher.LaunchAsync(document!.RootElement, context.User.UserId(), key, ct), context);
    }

    /// <summary>
    /// A launch as an answer: 201 with the campaign (the first launch's answer again for a repeat with its Idempotency-Key),
    /// 400 with the fields to fix, 422 when no campaign was made or the key was used for another request, 409 while
    /// the first request with the key still runs.
    /// </summary>
    public static Results<Created<CampaignView>, ValidationProblem, ProblemHttpResult> Answer(Launch launch, HttpContext? context = null) => launch switch
    {
        { Campaign: { } campaign } => TypedResults.Created($"/api/campaigns/{campaign.Id}", CampaignView.From(campaign) with { Notice = launch.Notice }),
        { Replay: { } first } => Idempotency.Replayed(context, TypedResults.Created($"/api/campaigns/{first.Id}", first)),
        { KeyProblem: { } state } => Idempotency.NotUsable(state, context),
        { Refusal: { } title } => TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: title, detail: launch.RefusalDetail),
        _ => Problems.Validation(launch.Errors),
    };

    public static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> CheckCampaign(HttpContext context, CampaignLauncher launcher, CancellationToken ct)
    {
        var (document, error) = await JsonBody.ReadAsync(context.Request, ct);
        using var _ = document;
        if (error is not null)
        {
            return error;
        }

        var errors = await launcher.CheckAsync(document!.RootElement, ct);
        return errors.Count == 0 ? TypedResults.NoContent() : Problems.Validation(errors);
    }

    public static async Task<Results<Ok<CampaignView>, NotFound, ValidationProblem, ProblemHttpResult>> EditScheduledCampaign(
        Guid id, HttpContext context, CampaignLauncher launcher, CancellationToken ct)
    {
        var (document, error) = await JsonBody.ReadAsync(context.Request, ct);
        using var _ = document;
        if (error is not null)
        {
            return error;
        }

        return EditAnswer(await launcher.EditScheduledAsync(id, document!.RootElement, context.User.UserId(), ct));
    }

    /// <summary>An edit of a scheduled campaign as an answer: 200 with it, 400 with the fields to fix, 404, or 409 once it has started.</summary>
    public static Results<Ok<CampaignView>, NotFound, ValidationProblem, ProblemHttpResult> EditAnswer((CampaignChange Change, IReadOnlyList<FieldError> Errors) edit) => edit switch
    {
        { Errors.Count: > 0 } => Problems.Validation(edit.Errors),
        { Change.Campaign: null } => TypedResults.NotFound(),
        { Change.Conflict: { } conflict } => Conflict(conflict),
        { Change.Campaign: { } campaign } => TypedResults.Ok(CampaignView.From(campaign)),
    };

    /// <param name="status">Only campaigns in this status (SCHEDULED, RUNNING, PAUSED, COMPLETED, CANCELLED).</param>
    /// <param name="search">Only campaigns whose name contains these words.</param>
    public static async Task<Results<Ok<Page<CampaignView>>, ValidationProblem>> ListCampaigns(
        CrmDbContext db, int? limit, string? cursor, string? status, string? search, CancellationToken ct)
    {
        var conditions = new List<string>();
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
            ? Problems.Validation(errors)
            : await NewestFirstPage.ReadAsync(db, db.Campaigns, "campaigns", limit, cursor, c => c.Id, c => c.CreatedAt, CampaignView.From, ct, conditions, parameters);
    }

    /// <summary>Deliveries per time bucket (sent and failed, by when the receipt came), for a campaign's chart.</summary>
    public static async Task<Results<Ok<DeliveryTimeline>, NotFound>> GetTimeline(Guid id, CrmDbContext db, TimeProvider clock, CancellationToken ct)
    {
        if (await db.Campaigns.AsNoTracking().Where(c => c.Id == id).Select(c => new { c.PreparedAt, c.CreatedAt, c.CompletedAt }).FirstOrDefaultAsync(ct) is not { } campaign)
        {
            return TypedResults.NotFound();
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
        return TypedResults.Ok(new DeliveryTimeline(from, bucket, points));
    }

    /// <summary>The communication log as CSV, streamed: the whole of it, or what the filters select (as the log's pages show it).</summary>
    /// <param name="status">Only deliveries in this status.</param>
    /// <param name="search">Only deliveries whose customer's name or email contains these words.</param>
    public static async Task<Results<EmptyHttpResult, NotFound, ValidationProblem>> DownloadLog(
        Guid id, string? status, string? search, HttpContext context, NpgsqlDataSource database, CrmDbContext db, CancellationToken ct)
    {
        var parameters = new List<NpgsqlParameter> { new("campaign", NpgsqlDbType.Uuid) { Value = id } };
        var errors = new List<FieldError>();
        var filter = LogFilter(status, search, parameters, errors);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        if (!await db.Campaigns.AnyAsync(c => c.Id == id, ct))
        {
            return TypedResults.NotFound();
        }

        var named = string.Concat(new[] { status?.ToLowerInvariant(), string.IsNullOrWhiteSpace(search) ? null : "search" }.Where(p => p is not null).Select(p => "-" + p));
        await using var connection = await database.OpenConnectionAsync(ct);
        await CsvDownload.WriteAsync(context, connection, $"campaign-{id}-log{named}.csv",
            "customer_id,customer_name,email,phone,message,status,delivered_at,failed_at,failure_reason,attempts",
            $"""
            SELECT customer_id, customer_name, email, phone, personalized_msg, status, delivered_at, failure_reason, attempts
            FROM communication_logs WHERE campaign_id = @campaign {filter} ORDER BY customer_id
            """,
            parameters,
            r =>
            {
                var at = r.NullableField<DateTime>(6)?.ToString("O", CultureInfo.InvariantCulture);
                var failed = r.GetString(5) == "FAILED";
                return [r.GetGuid(0).ToString(), r.GetString(1), r.GetString(2), r.NullableString(3), r.GetString(4), r.GetString(5),
                        failed ? null : at, failed ? at : null, r.NullableString(7), r.GetInt32(8).ToString(CultureInfo.InvariantCulture)];
            },
            ct);
        return TypedResults.Empty;
    }

    /// <summary>The log's filters as SQL (after <c>campaign_id = @campaign</c>): one status, and words in the customer's name or email.</summary>
    private static string LogFilter(string? status, string? search, List<NpgsqlParameter> parameters, List<FieldError> errors)
    {
        var searched = new List<string>();
        if (TextSearch.Add(search, ["customer_name", "email"], searched, parameters) is { } problem)
        {
            errors.Add(problem);
        }

        var filter = string.Concat(searched.Select(c => " AND " + c));
        if (!string.IsNullOrEmpty(status))
        {
            if (status is "PENDING" or "SENT" or "FAILED" or "CANCELLED")
            {
                parameters.Add(new NpgsqlParameter("status", NpgsqlDbType.Text) { Value = status });
                filter += " AND status = @status";
            }
            else
            {
                errors.Add(new FieldError("status", "Use PENDING, SENT, FAILED or CANCELLED."));
            }
        }

        return filter;
    }

    public static async Task<Results<Ok<CampaignView>, NotFound>> GetCampaign(Guid id, CrmDbContext db, CancellationToken ct)
    {
        if (await db.Campaigns.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct) is not { } campaign)
        {
            return TypedResults.NotFound();
        }

        var history = await db.CampaignEvents.AsNoTracking().Where(e => e.CampaignId == id).OrderBy(e => e.Id)
            .Select(e => new CampaignEventView(e.Status, e.At, e.ChangedBy, db.Users.Where(u => u.Id == e.ChangedBy).Select(u => u.Name).FirstOrDefault()))
            .ToListAsync(ct);
        return TypedResults.Ok(CampaignView.From(campaign) with { History = history });
    }

    public static async Task<Results<Accepted<TestSendAnswer>, ValidationProblem, ProblemHttpResult>> TestSend(
        HttpContext context, CrmDbContext db, TestSender sender, IdempotencyKeys keys, IOptions<ConsentOptions> consent, CancellationToken ct)
    {
        var (document, error) = await JsonBody.ReadAsync(context.Request, ct);
        using var _ = document;
        if (error is not null)
        {
            return error;
        }

        var once = Idempotency.Request(context, context.User.UserId(), TestSendOperation, document!.RootElement.GetRawText(), out var keyProblem);
        if (keyProblem is not null)
        {
            return Problems.Validation(keyProblem);
        }

        return await TestSendAsync(document.RootElement, context, db, sender, keys, once, consent, ct);
    }

    /// <summary>
    /// A test send from the request's JSON, once per Idempotency-Key (<paramref name="once"/>: its delivery id comes from
    /// the key, so the vendor drops a repeat too); <paramref name="context"/> (null in the web app) carries a Retry-After.
    /// </summary>
    public static async Task<Results<Accepted<TestSendAnswer>, ValidationProblem, ProblemHttpResult>> TestSendAsync(
        JsonElement root, HttpContext? context, CrmDbContext db, TestSender sender, IdempotencyKeys keys, IdempotentRequest? once,
        IOptions<ConsentOptions> consent, CancellationToken ct)
    {
        if (once is not null)
        {
            var claim = await keys.ClaimAsync(once, ct);
            if (claim.State != ClaimState.New)
            {
                return claim.State == ClaimState.Replay && claim.Answer<TestSendAnswer>() is { } first
                    ? Idempotency.Replayed(context, TypedResults.Accepted((string?)null, first))
                    : Idempotency.NotUsable(claim.State, context);
            }
        }

        return await keys.GuardAsync(once, async () =>
        {
            var answer = await SendTestAsync(root, context, db, sender, once, consent, ct);
            if (once is not null && answer.Result is Accepted<TestSendAnswer> { Value: { } sent })
            {
                await keys.CompleteAsync(once, StatusCodes.Status202Accepted, sent, CancellationToken.None);
            }

            return answer;
        }, answer => answer.Result is Accepted<TestSendAnswer>);
    }

    private static async Task<Results<Accepted<TestSendAnswer>, ValidationProblem, ProblemHttpResult>> SendTestAsync(
        JsonElement root, HttpContext? context, CrmDbContext db, TestSender sender, IdempotentRequest? once, IOptions<ConsentOptions> consent, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        if (root.ValueKind != JsonValueKind.Object)
        {
            return Problems.Validation(new FieldError("body", "Send {\"message\", \"customerId\", \"to\": {\"email\"}}."));
        }

        var reader = new FieldReader(root, "", errors);
        var customerId = reader.Guid("customerId");
        var to = ReadRecipient(root, errors);
        if (to is not null && !await IsTeamAddressAsync(db, to, errors, ct))
        {
            to = null;
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

        var template = errors.Any(e => e.Field == "message") ? null : MessageTemplate.Parse(message, errors);
        if (template is { HasUnsubscribeLink: true } && string.IsNullOrEmpty(consent.Value.LinkSigningKey))
        {
            errors.Add(new FieldError("message", "{{unsubscribe_url}} needs Consent:LinkSigningKey (the AppHost's link-signing-key), which this Api does not have."));
        }

        var customer = customerId is { } id ? await db.Customers.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct) : null;
        if (customerId is null && !errors.Any(e => e.Field == "customerId"))
        {
            errors.Add(new FieldError("customerId", "Required: the customer to render the message for."));
        }
        else if (customerId is not null && customer is null)
        {
            errors.Add(new FieldError("customerId", "No customer has this id."));
        }

        if (errors.Count > 0 || template is null || customer is null)
        {
            return Problems.Validation(errors);
        }

        if (customer.UnsubscribedAt is not null && to is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The customer unsubscribed",
                detail: "This customer asked not to be messaged; choose another one for the test, or send it to your own address.");
        }

        TestSendResult sent;
        try
        {
            sent = await sender.SendAsync(template, customer, to, once is null ? null : DeliveryIdOf(once), ct);
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutException or Polly.Timeout.TimeoutRejectedException ||
                                   ex is TaskCanceledException && !ct.IsCancellationRequested)
        {
            return Problems.Unavailable("The messaging vendor could not be reached; nothing was sent. Try again shortly.", 10, context);
        }

        return (int)sent.VendorStatus switch
        {
            >= 200 and < 300 => TypedResults.Accepted((string?)null, new TestSendAnswer(sent.DeliveryId, sent.CustomerId, sent.Message,
                to is null ? customer.Email : to.Email ?? to.Phone!)),
            >= 500 or 401 or 403 or 408 or 429 => Problems.Unavailable($"The messaging vendor answered {(int)sent.VendorStatus}; nothing was sent. Try again shortly.", 10, context),
            _ => TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "The vendor refused the message",
                detail: $"The messaging vendor answered {(int)sent.VendorStatus} to this message."),
        };
    }

    /// <summary>
    /// A test goes to the customer it is rendered for, or to someone of the team: a MiniCrm user's sign-in address, or
    /// the phone a user saved for tests (<c>PUT /api/me/phone</c>). Anything else is refused, so the test send cannot
    /// message strangers past consent.
    /// </summary>
    private static async Task<bool> IsTeamAddressAsync(CrmDbContext db, TestRecipient to, List<FieldError> errors, CancellationToken ct)
    {
        if (to.Email is { } email && !await db.Users.AnyAsync(u => u.Email != null && u.Email.ToLower() == email, ct))
        {
            errors.Add(new FieldError("to.email", "Only a MiniCrm user's sign-in address (yours or a teammate's) can get a test."));
        }

        if (to.Phone is { } phone && !await db.Users.AnyAsync(u => u.Phone == phone, ct))
        {
            errors.Add(new FieldError("to.phone", "Only a phone a MiniCrm user saved for tests can get one: save yours with PUT /api/me/phone (or in the composer)."));
        }

        return !errors.Any(e => e.Field.StartsWith("to.", StringComparison.Ordinal));
    }

    /// <summary><c>to</c>: {email?, phone?}, at least one, each as a customer's would be checked.</summary>
    private static TestRecipient? ReadRecipient(JsonElement root, List<FieldError> errors)
    {
        if (!root.TryGetProperty("to", out var to) || to.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (to.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new FieldError("to", "Optional: {\"email\": …, \"phone\": …}, where the test goes instead of the customer."));
            return null;
        }

        var reader = new FieldReader(to, "to", errors);
        var email = reader.String("email", required: false, 320)?.ToLowerInvariant();
        if (email is not null && !CustomerIntake.IsEmail(email))
        {
            reader.Error("email", "Is not a valid email address.");
            return null;
        }

        var phoneText = reader.String("phone", required: false, 20);
        var phone = phoneText is null ? null : CustomerIntake.TenDigitPhone(phoneText);
        if (phoneText is not null && phone is null)
        {
            reader.Error("phone", "Must be 10 digits.");
            return null;
        }

        if (email is null && phone is null)
        {
            if (!errors.Any(e => e.Field.StartsWith("to.", StringComparison.Ordinal)))
            {
                errors.Add(new FieldError("to", "Give an email, a phone number, or both."));
            }

            return null;
        }

        return new TestRecipient(email, phone);
    }

    /// <summary>The delivery id of a test sent with an Idempotency-Key: the same for every repeat, so the vendor messages once.</summary>
    private static Guid DeliveryIdOf(IdempotentRequest once)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"test-send\n{once.Owner}\n{once.Key}"));
        hash[6] = (byte)(0x80 | (hash[6] & 0x0F)); // version 8: a name-based id of our own
        hash[8] = (byte)(0x80 | (hash[8] & 0x3F));
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }

    public static async Task<Results<Ok<CampaignView>, NotFound, ValidationProblem, ProblemHttpResult>> RescheduleCampaign(
        Guid id, HttpContext context, CampaignControl control, TimeProvider clock, CancellationToken ct)
    {
        var (document, error) = await JsonBody.ReadAsync(context.Request, ct);
        using var _ = document;
        if (error is not null)
        {
            return error;
        }

        return await RescheduleAsync(id, document!.RootElement, context.User.UserId(), control, clock, ct);
    }

    /// <summary>Moves a scheduled campaign to the time the JSON gives ({sendAt, timeZone?}), for the endpoint and the campaign's page.</summary>
    public static async Task<Results<Ok<CampaignView>, NotFound, ValidationProblem, ProblemHttpResult>> RescheduleAsync(
        Guid id, JsonElement root, string userId, CampaignControl control, TimeProvider clock, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        var schedule = root.ValueKind == JsonValueKind.Object ? SendTime.Read(root, clock.GetUtcNow(), errors) : null;
        if (schedule is null)
        {
            return Problems.Validation(errors.Count > 0 ? errors : [new FieldError("sendAt", "Required: when the campaign is to start.")]);
        }

        return await control.RescheduleAsync(id, userId, schedule, ct) switch
        {
            { Campaign: null } => TypedResults.NotFound(),
            { Conflict: { } conflict } => Conflict(conflict),
            { Campaign: { } campaign } => TypedResults.Ok(CampaignView.From(campaign)),
        };
    }

    public static Task<Results<Ok<CampaignView>, NotFound, ProblemHttpResult>> PauseCampaign(Guid id, HttpContext context, CampaignControl control, CancellationToken ct) =>
        AnswerAsync(control.PauseAsync(id, context.User.UserId(), ct));

    public static Task<Results<Ok<CampaignView>, NotFound, ProblemHttpResult>> ResumeCampaign(Guid id, HttpContext context, CampaignControl control, CancellationToken ct) =>
        AnswerAsync(control.ResumeAsync(id, context.User.UserId(), ct));

    public static Task<Results<Ok<CampaignView>, NotFound, ProblemHttpResult>> CancelCampaign(Guid id, HttpContext context, CampaignControl control, CancellationToken ct) =>
        AnswerAsync(control.CancelAsync(id, context.User.UserId(), ct));

    /// <summary>A pause, resume or cancel as an answer: 200 with the campaign, 404, or 409 with the reason.</summary>
    public static async Task<Results<Ok<CampaignView>, NotFound, ProblemHttpResult>> AnswerAsync(Task<CampaignChange> change) => await change switch
    {
        { Campaign: null } => TypedResults.NotFound(),
        { Conflict: { } conflict } => Conflict(conflict),
        { Campaign: { } campaign } => TypedResults.Ok(CampaignView.From(campaign)),
    };

    private static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Not possible in this status", detail: detail);

    public static async Task<Results<Ok<Page<LogEntryView>>, NotFound, ValidationProblem>> GetCampaignLog(
        Guid id, CrmDbContext db, int? limit, string? cursor, string? status, string? search, CancellationToken ct)
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
            r =>
            {
                var status = Enum.Parse<DeliveryStatus>(r.GetString(5), ignoreCase: true);
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

        return TypedResults.Ok(new Page<LogEntryView>(rows, next));
    }
}
