namespace MiniCrm.Api.Application.Campaigns;

/// <summary>A campaign action: the campaign as it is now, or why it could not be taken.</summary>
public sealed record CampaignChange(Campaign? Campaign, string? Conflict)
{
    public static readonly CampaignChange NotFound = new(null, null);
}
