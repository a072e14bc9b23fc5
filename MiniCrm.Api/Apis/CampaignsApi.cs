using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using MiniCrm.Api.Auth;
using MiniCrm.Api.Http;
using MiniCrm.Core.Segments;
using MiniCrm.ServiceDefaults.Operations;
using Npgsql;
using NpgsqlTypes;

namespace MiniCrm.Api.Apis;

/// <summary>Campaigns over HTTP: routes, and their answers translated from <see cref="CampaignActions"/>, <see cref="CampaignQueries"/> and <see cref="TestSends"/>.</summary>
public static class CampaignsApi
{
    public static IEndpointRouteBuilder MapCampaignsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/campaigns").WithTags("Campaigns").RequireAuthorization(CrmAuthentication.MarketerPolicy).ProducesProblem(StatusCodes.Status401Unauthorized);
        api.MapPost("/", LaunchCampaign).ProducesProblem(StatusCodes.Status403Forbidden).WithSummary("Launch a campaign: {name, rules or segmentId, message, smartSending?, sendAt?, sendRatePerSecond?}; takes an Idempotency-Key")
            .RequireRateLimiting(AbuseLimits.Launch).WithBodyLimit(256 * 1024)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        api.MapPost("/check", CheckCampaign).ProducesProblem(StatusCodes.Status403Forbidden).WithSummary("Check a campaign as a launch would, without launching it: 204, or 400 with every field to fix")
            .RequireRateLimiting(AbuseLimits.Preview).WithBodyLimit(256 * 1024)
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType).ProducesProblem(StatusCodes.Status429TooManyRequests);
        api.MapPut("/{id:guid}", EditScheduledCampaign).ProducesProblem(StatusCodes.Status403Forbidden).WithSummary("Change a SCHEDULED campaign before it starts: the launch's fields, sendAt required")
            .RequireRateLimiting(AbuseLimits.Launch).WithBodyLimit(256 * 1024)
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType).ProducesProblem(StatusCodes.Status429TooManyRequests);
        api.MapGet("/", ListCampaigns).WithSummary("Campaigns, newest first");
        app.MapGet("/api/overview", GetOverview).WithTags("Campaigns").RequireAuthorization(CrmAuthentication.MarketerPolicy).ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithSummary("The last {days} days (30 by default, up to 365): campaigns started, messages delivered, attributed and incremental revenue, the best campaigns by incremental revenue");
        api.MapGet("/{id:guid}", GetCampaign).WithName("GetCampaign").WithSummary("One campaign with its live counters");
        api.MapGet("/{id:guid}/log", GetCampaignLog).WithSummary("A campaign's communication log, optionally of one status or whose customer's name or email contains {search}");
        api.MapGet("/{id:guid}/log.csv", DownloadLog).ProducesProblem(StatusCodes.Status403Forbidden).WithSummary("The communication log as CSV: all of it, or of one status and/or whose customer's name or email contains {search}");
        api.MapGet("/{id:guid}/results", GetResults).WithSummary("What the campaign earned: conversions and revenue of the messaged and the held-out customers in the attribution window, the lift with its 95% interval, and a verdict");
        api.MapGet("/{id:guid}/timeline", GetTimeline).WithSummary("Deliveries over time (sent and failed per bucket), for a chart");
        api.MapPost("/test-send", TestSend).ProducesProblem(StatusCodes.Status403Forbidden).WithSummary("Send a message rendered for one customer, to them or to your own address, without a campaign: {message, customerId, to?: {email?, phone?}}; takes an Idempotency-Key")
            .RequireRateLimiting(AbuseLimits.Launch).WithBodyLimit(64 * 1024)
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType).ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        api.MapPut("/{id:guid}/schedule", RescheduleCampaign).ProducesProblem(StatusCodes.Status403Forbidden).WithSummary("Move a SCHEDULED campaign to another time: {sendAt, timeZone?}")
            .RequireRateLimiting(AbuseLimits.Launch).ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType).ProducesProblem(StatusCodes.Status429TooManyRequests);
        api.MapPost("/{id:guid}/pause", PauseCampaign).ProducesProblem(StatusCodes.Status403Forbidden).WithSummary("Pause a RUNNING campaign: dispatch stops within seconds")
            .RequireRateLimiting(AbuseLimits.Launch).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status429TooManyRequests);
        api.MapPost("/{id:guid}/resume", ResumeCampaign).ProducesProblem(StatusCodes.Status403Forbidden).WithSummary("Resume a PAUSED campaign where it stopped")
            .RequireRateLimiting(AbuseLimits.Launch).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status429TooManyRequests);
        api.MapPost("/{id:guid}/cancel", CancelCampaign).ProducesProblem(StatusCodes.Status403Forbidden).WithSummary("Cancel a SCHEDULED, RUNNING or PAUSED campaign: what is not sent yet is CANCELLED")
            .RequireRateLimiting(AbuseLimits.Launch).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status429TooManyRequests);
        return app;
    }


    /// <summary>Launches a campaign; refused while MiniCRM drains for a stop. A repeat with its Idempotency-Key answers the first launch's campaign.</summary>
    public static async Task<Results<Created<CampaignView>, ValidationProblem, ProblemHttpResult>> LaunchCampaign(
        CampaignLaunch launch, HttpContext context, CampaignActions campaigns, DrainSignal drain, CancellationToken ct)
    {
        if (drain.IsDraining)
        {
            return Problems.Stopping(context);
        }

        var key = Idempotency.Read(context.Request, out var keyProblem);
        return keyProblem is not null
            ? Problems.Validation(keyProblem)
            : (await campaigns.LaunchAsync(launch, key, ct)).Created(context, c => $"/api/campaigns/{c.Id}");
    }

    public static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> CheckCampaign(
        CampaignLaunch launch, HttpContext context, CampaignActions campaigns, CancellationToken ct) =>
        (await campaigns.CheckAsync(launch, ct)).NoContent(context);

    public static async Task<Results<Ok<CampaignView>, NotFound, ValidationProblem, ProblemHttpResult>> EditScheduledCampaign(
        Guid id, CampaignLaunch launch, HttpContext context, CampaignActions campaigns, CancellationToken ct) =>
        (await campaigns.EditScheduledAsync(id, launch, ct)).Answer(context);

    /// <param name="status">Only campaigns in this status (SCHEDULED, RUNNING, PAUSED, COMPLETED, CANCELLED).</param>
    /// <param name="search">Only campaigns whose name contains these words.</param>
    public static async Task<Results<Ok<Page<CampaignView>>, ValidationProblem>> ListCampaigns(
        CampaignQueries campaigns, int? limit, string? cursor, string? status, string? search, CancellationToken ct) =>
        (await campaigns.ListAsync(limit, cursor, status, search, ct)).OkOrInvalid();

    public static async Task<Results<Ok<CampaignView>, NotFound>> GetCampaign(Guid id, CampaignQueries campaigns, CancellationToken ct) =>
        (await campaigns.GetAsync(id, ct)).OkOrNotFound();

    /// <summary>What the campaign earned (README: "What a campaign earned").</summary>
    public static async Task<Results<Ok<CampaignResults>, NotFound>> GetResults(Guid id, CampaignOutcomes outcomes, CancellationToken ct) =>
        (await outcomes.ResultsAsync(id, ct)).OkOrNotFound();

    /// <param name="days">The period, in days up to now: 1 to 365, 30 when absent.</param>
    public static async Task<Results<Ok<Overview>, ValidationProblem>> GetOverview(CampaignOverview overview, int? days, CancellationToken ct) =>
        (await overview.ReadAsync(days, ct)).OkOrInvalid();

    /// <summary>Deliveries per time bucket (sent and failed, by when the receipt came), for a campaign's chart.</summary>
    public static async Task<Results<Ok<DeliveryTimeline>, NotFound>> GetTimeline(Guid id, CampaignQueries campaigns, CancellationToken ct) =>
        (await campaigns.TimelineAsync(id, ct)).OkOrNotFound();

    /// <param name="status">Only deliveries in this status (PENDING, SENT, FAILED, CANCELLED).</param>
    /// <param name="search">Only deliveries whose customer's name or email contains these words.</param>
    public static async Task<Results<Ok<Page<LogEntryView>>, NotFound, ValidationProblem>> GetCampaignLog(
        Guid id, CampaignQueries campaigns, int? limit, string? cursor, string? status, string? search, CancellationToken ct) =>
        (await campaigns.LogAsync(id, limit, cursor, status, search, ct)).OkOrMissing();

    /// <summary>The communication log as CSV, streamed: the whole of it, or what the filters select (as the log's pages show it).</summary>
    /// <param name="status">Only deliveries in this status.</param>
    /// <param name="search">Only deliveries whose customer's name or email contains these words.</param>
    public static async Task<Results<EmptyHttpResult, NotFound, ValidationProblem, ProblemHttpResult>> DownloadLog(
        Guid id, string? status, string? search, HttpContext context, NpgsqlDataSource database, CampaignQueries campaigns, Access access, CancellationToken ct)
    {
        if (access.Refuse(Operations.ExportCampaignLog) is { } refused)
        {
            return ResultHttp.Problem(refused, context);
        }

        var parameters = new List<NpgsqlParameter> { new("campaign", NpgsqlDbType.Uuid) { Value = id } };
        var errors = new List<FieldError>();
        var filter = CampaignQueries.LogFilter(status, search, parameters, errors);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        if (!await campaigns.ExistsAsync(id, ct))
        {
            return TypedResults.NotFound();
        }

        var named = string.Concat(new[] { status?.ToLowerInvariant(), string.IsNullOrWhiteSpace(search) ? null : "search" }.Where(p => p is not null).Select(p => "-" + p));
        // Recorded before the first byte: a download that breaks off has still shown what it showed.
        await access.RecordAsync(Operations.ExportCampaignLog, id, $"status={status ?? "all"}; search={search ?? ""}", ct);
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

    public static async Task<Results<Accepted<TestSendAnswer>, ValidationProblem, ProblemHttpResult>> TestSend(
        TestSendRequest request, HttpContext context, TestSends tests, CancellationToken ct)
    {
        var key = Idempotency.Read(context.Request, out var keyProblem);
        return keyProblem is not null
            ? Problems.Validation(keyProblem)
            : (await tests.SendAsync(request, key, ct)).Accepted(context);
    }

    public static async Task<Results<Ok<CampaignView>, NotFound, ValidationProblem, ProblemHttpResult>> RescheduleCampaign(
        Guid id, ScheduleChange change, HttpContext context, CampaignActions campaigns, CancellationToken ct) =>
        (await campaigns.RescheduleAsync(id, change, ct)).Answer(context);

    public static async Task<Results<Ok<CampaignView>, NotFound, ProblemHttpResult>> PauseCampaign(Guid id, HttpContext context, CampaignActions campaigns, CancellationToken ct) =>
        (await campaigns.PauseAsync(id, ct)).OkOrProblem(context);

    public static async Task<Results<Ok<CampaignView>, NotFound, ProblemHttpResult>> ResumeCampaign(Guid id, HttpContext context, CampaignActions campaigns, CancellationToken ct) =>
        (await campaigns.ResumeAsync(id, ct)).OkOrProblem(context);

    public static async Task<Results<Ok<CampaignView>, NotFound, ProblemHttpResult>> CancelCampaign(Guid id, HttpContext context, CampaignActions campaigns, CancellationToken ct) =>
        (await campaigns.CancelAsync(id, ct)).OkOrProblem(context);
}
