using MiniCrm.Core.Campaigns;
using MiniCrm.Core.Segments;

namespace MiniCrm.Api.Application.Campaigns;

/// <summary>A campaign as a request describes it, every field checked.</summary>
public sealed record CampaignRequest(
    string Name, RuleGroup Rules, Segment? Saved, MessageTemplate Template, SendTime? Schedule, int? SendRatePerSecond, bool SmartSending, Guid? DraftId,
    int HoldoutPercent, int AttributionDays);
