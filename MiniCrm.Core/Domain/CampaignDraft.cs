namespace MiniCrm.Core.Domain;

/// <summary>
/// A campaign being composed, kept server-side as the marketer types, so Back, a reload or another device finds it
/// again. <see cref="Content"/> is the composer's state (JSON, anything a marketer may leave unfinished); launching
/// it records <see cref="CampaignId"/> in the campaign's own transaction, so a draft becomes one campaign at most.
/// </summary>
public sealed class CampaignDraft
{
    public Guid Id { get; set; }

    /// <summary>The name typed so far (empty until one is), for lists.</summary>
    public string Name { get; set; } = "";

    /// <summary>The composition as JSON: name, audience, message, schedule, smart sending, as the composer or an API client left them.</summary>
    public required string Content { get; set; }

    public required string CreatedBy { get; set; }

    public required string UpdatedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>The campaign it was launched as; a launched draft can no longer change.</summary>
    public Guid? CampaignId { get; set; }
}
