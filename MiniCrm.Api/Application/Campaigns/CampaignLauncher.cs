using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using MiniCrm.Api.Http;
using MiniCrm.Core.Ai;
using MiniCrm.Core.Campaigns;
using MiniCrm.Core.Consent;
using MiniCrm.Core.Segments;
using MiniCrm.Core.Text;
using Npgsql;
using NpgsqlTypes;

namespace MiniCrm.Api.Application.Campaigns;

/// <summary>
/// Launching a campaign, for the endpoint and the web app's composer alike. Records the campaign and its audience
/// size, measured on the same snapshot, and returns at once: the Workers write the audience's personalised log rows
/// (in one transaction) and dispatch them, so a million-customer audience never passes through the Api's memory.
/// A launch happens once: per Idempotency-Key, and per draft (a draft's launch is recorded in the campaign's transaction).
/// </summary>
public sealed class CampaignLauncher(
    CrmDbContext db, SegmentQueries segments, CrmAssistant assistant, IdempotencyKeys keys, IOptions<ConsentOptions> consent, TimeProvider clock)
{
    public const string NoAudience = "No customers match this segment.";

    public const string Operation = "POST /api/campaigns";

    /// <summary>
    /// Launches (or schedules) <paramref name="launch"/>, as <paramref name="userId"/>, once per
    /// <paramref name="idempotencyKey"/>: a repeat with the same key answers the campaign the first one made.
    /// </summary>
    public async Task<Launch> LaunchAsync(CampaignLaunch launch, string userId, string? idempotencyKey, CancellationToken ct)
    {
        var once = IdempotentRequest.For(idempotencyKey, userId, Operation, ApiJson.Fingerprint(launch, ApiJson.Default.CampaignLaunch));
        if (once is not null)
        {
            var claim = await keys.ClaimAsync(once, ct);
            if (claim.State != ClaimState.New)
            {
                return claim.State == ClaimState.Replay
                    ? new Launch(null, null, [], null, null, Replay: claim.Answer<CampaignView>())
                    : new Launch(null, null, [], null, null, KeyProblem: claim.State);
            }
        }

        return await keys.GuardAsync(once, () => LaunchOnceAsync(launch, userId, once, ct), launch => launch.Campaign is not null);
    }

    /// <summary>Every problem the launch of <paramref name="launch"/> would meet in its fields, without launching anything (the composer's review).</summary>
    public async Task<IReadOnlyList<FieldError>> CheckAsync(CampaignLaunch launch, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        await ReadAsync(launch, errors, ct);
        return errors;
    }

    private async Task<Launch> LaunchOnceAsync(CampaignLaunch launch, string userId, IdempotentRequest? once, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        if (await ReadAsync(launch, errors, ct) is not { } request)
        {
            return Launch.Invalid(errors);
        }

        if (request.DraftId is { } draft && await LaunchedAsAsync(draft, ct) is { } earlier)
        {
            return await ReplayAsync(earlier, ct);
        }

        // Before the transaction, so no snapshot waits on a model; a slow one costs at most the AI timeout, then the offline intent is used.
        var intent = await assistant.IntentAsync(request.Rules, ct);
        var now = clock.GetUtcNow();
        var schedule = request.Schedule;
        await using var transaction = await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        var id = Guid.CreateVersion7(now);
        if (request.DraftId is { } draftId && !await TryClaimDraftAsync(draftId, id, userId, ct))
        {
            // Launched by a click that got there first: its campaign is the answer.
            await transaction.RollbackAsync(ct);
            return await LaunchedAsAsync(draftId, ct) is { } first ? await ReplayAsync(first, ct) : Launch.Invalid([new FieldError("draftId", "No draft has this id.")]);
        }

        var counted = await segments.CountAsync(SegmentSql.Compile(request.Rules, now), request.SmartSending, ct);
        var audience = counted.Eligible;
        if (audience == 0 && schedule is null)
        {
            return Launch.Refused(NoAudience,
                counted.ExcludedForConsent + counted.ExcludedForFrequencyCap + counted.ExcludedForSmartSending == 0
                    ? "The rules select no customer, so no campaign was created. Preview a segment with POST /api/segments/preview."
                    : $"The rules select no customer who may be messaged ({counted.ExcludedForConsent} unsubscribed, {counted.ExcludedForFrequencyCap} at the frequency cap, " +
                      $"{counted.ExcludedForSmartSending} messaged in the last {consent.Value.SmartSendingHours} hours: smart sending), so no campaign was created.");
        }

        var campaign = new Campaign
        {
            Id = id,
            Name = request.Name,
            CreatedBy = userId,
            Segment = SegmentText.ToJson(request.Rules).ToJsonString(),
            Intent = intent.Value,
            IntentProvider = intent.Provider,
            SegmentId = request.Saved?.Id,
            Message = request.Template.Text,
            // A scheduled campaign's audience is resolved when it starts.
            AudienceSize = schedule is null ? (int)audience : 0,
            ExcludedForConsent = schedule is null ? (int)counted.ExcludedForConsent : 0,
            ExcludedForFrequencyCap = schedule is null ? (int)counted.ExcludedForFrequencyCap : 0,
            SmartSending = request.SmartSending,
            ExcludedForSmartSending = schedule is null ? (int)counted.ExcludedForSmartSending : 0,
            PendingCount = schedule is null ? (int)audience : 0,
            Status = schedule is null ? CampaignStatus.Running : CampaignStatus.Scheduled,
            SendAt = schedule?.At,
            TimeZone = schedule?.TimeZone,
            CreatedAt = now,
            TraceParent = System.Diagnostics.Activity.Current?.Id,
            SendRatePerSecond = request.SendRatePerSecond,
            HoldoutPercent = request.HoldoutPercent,
            AttributionDays = request.AttributionDays,
        };
        db.Campaigns.Add(campaign);
        // Who launched it, for the campaign's history (written by the database, see CampaignControl).
        await db.Database.ExecuteSqlAsync($"SELECT set_config('minicrm.actor', {campaign.CreatedBy}, true)", ct);
        await db.SaveChangesAsync(ct);
        var notice = schedule is null ? null : string.Create(CultureInfo.InvariantCulture,
            $"Scheduled for {schedule.At:yyyy-MM-dd HH:mm} UTC. The audience is resolved when it starts; {audience} customers match now.");
        if (once is not null)
        {
            // In the campaign's transaction: a repeat finds either this answer or no campaign at all.
            await keys.CompleteAsync(db, once, StatusCodes.Status201Created, CampaignView.From(campaign) with { Notice = notice }, ct);
        }

        await transaction.CommitAsync(ct);
        return new Launch(campaign, notice, [], null, null);
    }

    /// <summary>
    /// Changes a SCHEDULED campaign before it starts: its name, audience, message, smart sending and time, checked as a
    /// launch is (a send time is required: it stays scheduled). Guarded by its status, so a campaign that started
    /// meanwhile is a conflict, not an edit of a running campaign.
    /// </summary>
    public async Task<(CampaignChange Change, IReadOnlyList<FieldError> Errors)> EditScheduledAsync(Guid id, CampaignLaunch launch, string userId, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        var request = await ReadAsync(launch, errors, ct);
        if (request is { Schedule: null })
        {
            errors.Add(new FieldError("sendAt", "Required: a scheduled campaign keeps a time to start (to send it now, cancel it and launch it again)."));
        }

        if (errors.Count > 0 || request is null)
        {
            return (CampaignChange.NotFound, errors);
        }

        if (!await db.Campaigns.AnyAsync(c => c.Id == id, ct))
        {
            return (CampaignChange.NotFound, []);
        }

        var intent = await assistant.IntentAsync(request.Rules, ct);
        var change = await CampaignControl.ChangeAsync(db, id, userId, CampaignAction.Edit,
            """
            name = @name, segment = @segment::jsonb, segment_id = @segment_id, intent = @intent, intent_provider = @intent_provider, message = @message,
            smart_sending = @smart_sending, send_rate_per_second = @send_rate, send_at = @send_at, time_zone = @time_zone,
            holdout_percent = @holdout, attribution_days = @attribution_days
            """, ct,
            new NpgsqlParameter("holdout", NpgsqlDbType.Integer) { Value = request.HoldoutPercent },
            new NpgsqlParameter("attribution_days", NpgsqlDbType.Integer) { Value = request.AttributionDays },
            new NpgsqlParameter("name", NpgsqlDbType.Varchar) { Value = request.Name },
            new NpgsqlParameter("segment", NpgsqlDbType.Text) { Value = SegmentText.ToJson(request.Rules).ToJsonString() },
            new NpgsqlParameter("segment_id", NpgsqlDbType.Uuid) { Value = (object?)request.Saved?.Id ?? DBNull.Value },
            new NpgsqlParameter("intent", NpgsqlDbType.Text) { Value = intent.Value },
            new NpgsqlParameter("intent_provider", NpgsqlDbType.Varchar) { Value = intent.Provider },
            new NpgsqlParameter("message", NpgsqlDbType.Varchar) { Value = request.Template.Text },
            new NpgsqlParameter("smart_sending", NpgsqlDbType.Boolean) { Value = request.SmartSending },
            new NpgsqlParameter("send_rate", NpgsqlDbType.Integer) { Value = (object?)request.SendRatePerSecond ?? DBNull.Value },
            new NpgsqlParameter("send_at", NpgsqlDbType.TimestampTz) { Value = request.Schedule!.At.UtcDateTime },
            new NpgsqlParameter("time_zone", NpgsqlDbType.Varchar) { Value = (object?)request.Schedule.TimeZone ?? DBNull.Value });
        return (change, []);
    }

    /// <summary>Checks every field of a campaign: name, rules or a saved audience, message, schedule, rate, smart sending, draft.</summary>
    private async Task<CampaignRequest?> ReadAsync(CampaignLaunch launch, List<FieldError> errors, CancellationToken ct)
    {
        var name = TextField.Read(launch.Name, "name", errors, required: true, 200);
        RuleGroup? group = null;
        Segment? saved = null;
        if (launch.SegmentId is { } segmentId)
        {
            if (launch.Rules is not null)
            {
                errors.Add(new FieldError("segmentId", "Send rules or a segmentId (a saved audience), not both."));
            }
            else if ((saved = await db.Segments.AsNoTracking().FirstOrDefaultAsync(s => s.Id == segmentId, ct)) is null)
            {
                errors.Add(new FieldError("segmentId", "No saved audience has this id."));
            }
            else
            {
                using var savedRules = JsonDocument.Parse(saved.Rules);
                group = RuleGroupParser.Parse(savedRules.RootElement, errors);
            }
        }
        else if (launch.Rules is null)
        {
            errors.Add(new FieldError("rules", "Required: a rule group ({\"combinator\": \"AND\", \"rules\": []} for everyone), or the segmentId of a saved audience."));
        }
        else
        {
            group = RuleGroupParser.Parse(launch.Rules, errors);
        }

        var schedule = SendTime.Read(launch.SendAt, launch.TimeZone, clock.GetUtcNow(), errors);
        if (launch.SendRatePerSecond is not (null or (>= 1 and <= 1_000_000)))
        {
            errors.Add(new FieldError("sendRatePerSecond", "Optional: a whole number of deliveries per second, 1 to 1,000,000."));
        }

        if (launch.HoldoutPercent is not (null or (>= 0 and <= 50)))
        {
            errors.Add(new FieldError("holdoutPercent", "Optional: a whole percentage from 0 to 50 of the audience to hold out (not message), to measure what the campaign earned."));
        }

        if (launch.AttributionDays is not (null or (>= 1 and <= 90)))
        {
            errors.Add(new FieldError("attributionDays", "Optional: 1 to 90 days after a delivery in which an order counts for the campaign."));
        }

        var message = launch.Message;
        if (message is not null && StoredText.Problem(message, allowLineBreaks: true) is { } problem)
        {
            errors.Add(new FieldError("message", problem));
            message = null;
        }

        var template = message is null && errors.Any(e => e.Field == "message") ? null : MessageTemplate.Parse(message, errors);
        if (template is { HasUnsubscribeLink: true } && string.IsNullOrEmpty(consent.Value.LinkSigningKey))
        {
            errors.Add(new FieldError("message", "{{unsubscribe_url}} needs Consent:LinkSigningKey (the AppHost's link-signing-key), which this Api does not have."));
        }

        return errors.Count > 0 || group is null || template is null || name is null
            ? null
            : new CampaignRequest(name, group, saved, template, schedule, launch.SendRatePerSecond, launch.SmartSending ?? true, launch.DraftId,
                launch.HoldoutPercent ?? 0, launch.AttributionDays ?? 7);
    }

    /// <summary>
    /// Marks the draft launched as <paramref name="campaign"/>, in the launch's transaction; false when it was launched
    /// already or is not there. Two launches of one draft at once (a double click) wait on its row: the second finds it
    /// launched (under repeatable read, as a serialization failure) and answers the first one's campaign.
    /// </summary>
    private async Task<bool> TryClaimDraftAsync(Guid draft, Guid campaign, string userId, CancellationToken ct)
    {
        try
        {
            await using var claim = await db.CommandAsync(
                "UPDATE campaign_drafts SET campaign_id = @campaign, updated_at = now(), updated_by = @user WHERE id = @draft AND campaign_id IS NULL",
                [new NpgsqlParameter("campaign", NpgsqlDbType.Uuid) { Value = campaign }, new NpgsqlParameter("draft", NpgsqlDbType.Uuid) { Value = draft },
                 new NpgsqlParameter("user", NpgsqlDbType.Varchar) { Value = userId }], ct);
            return await claim.ExecuteNonQueryAsync(ct) == 1;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.SerializationFailure)
        {
            return false;
        }
    }

    private async Task<Guid?> LaunchedAsAsync(Guid draft, CancellationToken ct) =>
        await db.CampaignDrafts.AsNoTracking().Where(d => d.Id == draft).Select(d => d.CampaignId).FirstOrDefaultAsync(ct);

    private async Task<Launch> ReplayAsync(Guid campaign, CancellationToken ct) =>
        await db.Campaigns.AsNoTracking().FirstOrDefaultAsync(c => c.Id == campaign, ct) is { } first
            ? new Launch(null, null, [], null, null, Replay: CampaignView.From(first))
            : Launch.Invalid([new FieldError("draftId", "The draft's campaign no longer exists.")]);
}
