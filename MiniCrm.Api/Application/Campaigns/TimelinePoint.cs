namespace MiniCrm.Api.Application.Campaigns;

public sealed record TimelinePoint(DateTimeOffset At, long Sent, long Failed);
