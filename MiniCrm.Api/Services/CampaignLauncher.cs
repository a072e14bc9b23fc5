using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using MiniCrm.Api.Http;
using MiniCrm.Core.Ai;
using MiniCrm.Core.Campaigns;
using MiniCrm.Core.Consent;
using MiniCrm.Core.Segments;
using MiniCrm.Core.Text;

namespace MiniCrm.Api.Services;

/// <summary>What a launch came to: the campaign (with what to tell the marketer), the fields to fix, or why no campaign was made.</summary>
public sealed record Launch(Campaign? Campaign, string? Notice, IReadOnlyList<FieldError> Errors, string? Refusal, string? RefusalDetail)
{
    public static Launch Invalid(IEnumerable<FieldError> errors) => new(null, null, [.. errors], null, null);

    public static Launch Refused(string title, string detail) => new(null, null, [], title, detail);
}

/// <summary>
/// Launching a campaign, for the endpoint and the web app's composer alike. Records the campaign and its audience
/// size, measured on the same snapshot, and returns at once: the Workers write the audience's personalised log rows
/// (in one transaction) and dispatch them, so a million-customer audience never passes through the Api's memory.
/// </summary>
public sealed class CampaignLauncher(CrmDbContext db, SegmentQueries segments, CrmAssistant assistant, IOptions<ConsentOptions> consent, TimeProvider clock)
{
    public const string NoAudience = "No customers match this segment.";

    /// <summary>Launches (or schedules) the campaign <paramref name="root"/> describes, as <paramref name="userId"/>.</summary>
    public async Task<Launch> LaunchAsync(JsonElement root, string userId, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        if (root.ValueKind != JsonValueKind.Object)
        {
            return Launch.Invalid([new FieldError("body", "Send {\"name\", \"rules\", \"message\"}.")]);
        }

        var reader = new FieldReader(root, "", errors);
        var name = reader.String("name", required: true, 200);
        RuleGroup? group = null;
        Segment? saved = null;
        var hasRules = root.TryGetProperty("rules", out var rulesJson);
        if (root.TryGetProperty("segmentId", out var segmentJson) && segmentJson.ValueKind != JsonValueKind.Null)
        {
            if (hasRules)
            {
                errors.Add(new FieldError("segmentId", "Send rules or a segmentId (a saved audience), not both."));
            }
            else if (segmentJson.ValueKind != JsonValueKind.String || !Guid.TryParse(segmentJson.GetString(), out var segmentId))
            {
                errors.Add(new FieldError("segmentId", "Must be the id of a saved audience (a UUID)."));
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
        else if (!hasRules)
        {
            errors.Add(new FieldError("rules", "Required: a rule group ({\"combinator\": \"AND\", \"rules\": []} for everyone), or the segmentId of a saved audience."));
        }
        else
        {
            group = RuleGroupParser.Parse(rulesJson, errors);
        }

        var schedule = SendTime.Read(root, clock.GetUtcNow(), errors);

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
        if (template is { HasUnsubscribeLink: true } && string.IsNullOrEmpty(consent.Value.LinkSigningKey))
        {
            errors.Add(new FieldError("message", "{{unsubscribe_url}} needs Consent:LinkSigningKey (the AppHost's link-signing-key), which this Api does not have."));
        }
        if (errors.Count > 0 || group is null || template is null || name is null)
        {
            return Launch.Invalid(errors);
        }

        // Before the transaction, so no snapshot waits on a model; a slow one costs at most the AI timeout, then the offline intent is used.
        var intent = await assistant.IntentAsync(group, ct);
        var now = clock.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        var counted = await segments.CountAsync(SegmentSql.Compile(group, now), ct);
        var audience = counted.Eligible;
        if (audience == 0 && schedule is null)
        {
            return Launch.Refused(NoAudience,
                counted.ExcludedForConsent + counted.ExcludedForFrequencyCap == 0
                    ? "The rules select no customer, so no campaign was created. Preview a segment with POST /api/segments/preview."
                    : $"The rules select no customer who may be messaged ({counted.ExcludedForConsent} unsubscribed, {counted.ExcludedForFrequencyCap} at the frequency cap), so no campaign was created.");
        }

        var campaign = new Campaign
        {
            Id = Guid.CreateVersion7(now),
            Name = name,
            CreatedBy = userId,
            Segment = SegmentText.ToJson(group).ToJsonString(),
            Intent = intent.Value,
            IntentProvider = intent.Provider,
            SegmentId = saved?.Id,
            Message = template.Text,
            // A scheduled campaign's audience is resolved when it starts.
            AudienceSize = schedule is null ? (int)audience : 0,
            ExcludedForConsent = schedule is null ? (int)counted.ExcludedForConsent : 0,
            ExcludedForFrequencyCap = schedule is null ? (int)counted.ExcludedForFrequencyCap : 0,
            PendingCount = schedule is null ? (int)audience : 0,
            Status = schedule is null ? CampaignStatus.Running : CampaignStatus.Scheduled,
            SendAt = schedule?.At,
            TimeZone = schedule?.TimeZone,
            CreatedAt = now,
            TraceParent = System.Diagnostics.Activity.Current?.Id,
            SendRatePerSecond = sendRate,
        };
        db.Campaigns.Add(campaign);
        // Who launched it, for the campaign's history (written by the database, see CampaignControl).
        await db.Database.ExecuteSqlAsync($"SELECT set_config('minicrm.actor', {campaign.CreatedBy}, true)", ct);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);

        return new Launch(campaign, schedule is null ? null : string.Create(CultureInfo.InvariantCulture,
            $"Scheduled for {schedule.At:yyyy-MM-dd HH:mm} UTC. The audience is resolved when it starts; {audience} customers match now."), [], null, null);
    }

}
