using System.ComponentModel.DataAnnotations;

namespace MiniCrm.Core.Consent;

/// <summary>Consent: <c>Consent:*</c>, read by the Api (audience counts, the unsubscribe page) and the Workers (audiences, links).</summary>
public sealed class ConsentOptions
{
    public const string SectionName = "Consent";

    /// <summary>Signs the unsubscribe links (the AppHost's link-signing-key); without it no link can be made or checked.</summary>
    public string LinkSigningKey { get; set; } = "";

    /// <summary>Where customers reach the Api's unsubscribe page: the Api's public address.</summary>
    public string PublicBaseUrl { get; set; } = "http://localhost:5080";

    /// <summary>At most this many campaign messages per customer in <see cref="FrequencyCapDays"/>; 0 turns the cap off.</summary>
    [Range(0, 1_000)]
    public int FrequencyCapMessages { get; set; }

    /// <summary>The cap's rolling window, in days.</summary>
    [Range(1, 365)]
    public int FrequencyCapDays { get; set; } = 7;

    /// <summary>
    /// Smart sending: a campaign skips customers who have a campaign message (pending or sent) from the last this many
    /// hours, unless the campaign turns it off on purpose. 0 turns it off for every campaign.
    /// </summary>
    [Range(0, 168)]
    public int SmartSendingHours { get; set; } = 16;
}
