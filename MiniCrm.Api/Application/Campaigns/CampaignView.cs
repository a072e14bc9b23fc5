using System.Text.Json.Nodes;

namespace MiniCrm.Api.Application.Campaigns;

/// <summary>
/// A campaign; <c>intentProvider</c> and <c>summaryProvider</c> say who wrote those texts ("offline" or the AI
/// provider); sent + failed + cancelled + pending = audience (the customers to message; <c>heldOutCount</c> more were held out as the
/// control group, <c>holdoutPercent</c> of those who may be messaged, and are never messaged). <c>history</c> (one campaign only) lists every
/// status change with its time and who made it. <c>sendAt</c> is when a SCHEDULED campaign starts; <c>notice</c> (launch only)
/// says what a marketer should know about the answer. <c>journeyId</c>: the journey whose send step wrote it (its messages
/// to the customers who reached the step in one pass), not a marketer's launch.
/// </summary>
public sealed record CampaignView(
    Guid Id, string Name, string CreatedBy, string Intent, string IntentProvider, JsonNode? Segment, string Message,
    int AudienceSize, int ExcludedForConsent, int ExcludedForFrequencyCap, bool SmartSending, int ExcludedForSmartSending, CampaignStatus Status, int PendingCount, int SentCount, int FailedCount, int CancelledCount, string? Summary, string? SummaryProvider,
    int? SendRatePerSecond, DateTimeOffset CreatedAt, DateTimeOffset? SendAt, string? TimeZone, Guid? SegmentId,
    DateTimeOffset? PreparedAt, DateTimeOffset? DispatchedAt, DateTimeOffset? CompletedAt, int DispatchRound,
    int HoldoutPercent, int HeldOutCount, int AttributionDays,
    IReadOnlyList<CampaignEventView>? History = null, string? Notice = null, Guid? JourneyId = null)
{
    public static CampaignView From(Campaign c) => new(
        c.Id, c.Name, c.CreatedBy, c.Intent, c.IntentProvider, JsonNode.Parse(c.Segment), c.Message, c.AudienceSize, c.ExcludedForConsent, c.ExcludedForFrequencyCap, c.SmartSending, c.ExcludedForSmartSending, c.Status,
        c.PendingCount, c.SentCount, c.FailedCount, c.CancelledCount, c.Summary, c.SummaryProvider, c.SendRatePerSecond, c.CreatedAt, c.SendAt, c.TimeZone, c.SegmentId,
        c.PreparedAt, c.DispatchedAt, c.CompletedAt, c.DispatchRound, c.HoldoutPercent, c.HeldOutCount, c.AttributionDays, JourneyId: c.JourneyId);
}
