namespace MiniCrm.Api.Application.Campaigns;

/// <summary>One status change: <c>by</c> is the marketer's user id and <c>byName</c> their name; both null for the system.</summary>
public sealed record CampaignEventView(CampaignStatus Status, DateTimeOffset At, string? By, string? ByName);
