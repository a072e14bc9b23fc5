using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using MiniCrm.Core.Segments;

namespace MiniCrm.Api.Application.Campaigns;

/// <summary>
/// A campaign to launch, check or (scheduled) change: the body of <c>POST /api/campaigns</c>, bound as it is, and what
/// the composer sends. Every field is read by <see cref="CampaignLauncher"/>, which names each problem by its field.
/// </summary>
public sealed record CampaignLaunch(
    [property: Required, Description("up to 200 characters")] string? Name = null,
    [property: Description("the audience's rules; or give segmentId")] RuleNode? Rules = null,
    [property: Description("a saved audience's id, instead of rules")] Guid? SegmentId = null,
    [property: Required, Description("up to 2,000 characters; placeholders {{name}} {{first_name}} {{email}} {{city}} {{phone}} {{unsubscribe_url}}")] string? Message = null,
    [property: Description("optional, 1 to 1,000,000")] int? SendRatePerSecond = null,
    [property: Description("optional: when to start, ISO 8601 with an offset, or a local time with timeZone")] string? SendAt = null,
    [property: Description("optional: the IANA time zone of a local sendAt, such as Asia/Kolkata")] string? TimeZone = null,
    [property: Description("optional, default true: skip customers with a campaign message from the last Consent:SmartSendingHours (16) hours")] bool? SmartSending = null,
    [property: Description("optional: the draft this campaign is launched from; a draft is launched once")] Guid? DraftId = null,
    [property: Description("optional, 0 to 50 (default 0): the percentage of the audience held out as a control group, never messaged, to measure lift")] int? HoldoutPercent = null,
    [property: Description("optional, 1 to 90 (default 7): how many days after a delivery an order counts for the campaign")] int? AttributionDays = null);
