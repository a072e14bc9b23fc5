namespace MiniCrm.Api.Web.Support;

/// <summary>Where a campaign's audience comes from, as the marketer chose it; nothing is chosen until they choose.</summary>
public enum AudienceSource
{
    None,
    Saved,
    Rules,
    Everyone,
}
