namespace MiniCrm.Api.Application.Campaigns;

/// <summary>Deliveries per <c>bucketSeconds</c> from <c>from</c>: each point is a bucket's start with its sent and failed counts.</summary>
public sealed record DeliveryTimeline(DateTimeOffset From, int BucketSeconds, IReadOnlyList<TimelinePoint> Points);
