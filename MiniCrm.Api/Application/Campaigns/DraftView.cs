using System.Text.Json.Nodes;

namespace MiniCrm.Api.Application.Campaigns;

/// <summary>A draft as it is now; <c>campaignId</c> is set once it was launched (it then leaves the list of drafts).</summary>
public sealed record DraftView(Guid Id, string Name, JsonNode? Content, string CreatedBy, string UpdatedBy, string? UpdatedByName,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, Guid? CampaignId)
{
    public static DraftView From(CampaignDraft d, string? updatedByName = null) =>
        new(d.Id, d.Name, JsonNode.Parse(d.Content), d.CreatedBy, d.UpdatedBy, updatedByName, d.CreatedAt, d.UpdatedAt, d.CampaignId);
}
