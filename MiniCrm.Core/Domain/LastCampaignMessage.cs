namespace MiniCrm.Core.Domain;

/// <summary>
/// When a campaign message was last written for a customer, and by which campaign (so a cancelled campaign's unsent
/// messages can be taken back): what smart sending looks at. One
/// narrow row per customer, kept only for the smart-sending window, so a count over a million customers asks a small
/// table rather than every wide log row of the last hours.
/// </summary>
public sealed class LastCampaignMessage
{
    public Guid CustomerId { get; set; }

    public DateTimeOffset At { get; set; }

    public Guid CampaignId { get; set; }
}
