namespace MiniCrm.Api.Application.Campaigns;

/// <summary>
/// What a campaign earned (README, "What a campaign earned", defines each figure): the messaged customers and the held-out
/// ones, each group's conversions and revenue in the attribution window, the differences with their 95% intervals, the
/// last-touch revenue, a verdict in words, the cumulative conversions of both groups over time, and how many other
/// campaigns started while its window was open (its held-out customers may have got them). <see cref="Final"/> once every window has closed.
/// </summary>
public sealed record CampaignResults(
    Guid CampaignId, int AttributionDays, int HoldoutPercent, bool Final, DateTimeOffset? WindowClosesAt,
    GroupResult Messaged, GroupResult HeldOut,
    decimal AttributedRevenue, decimal LastTouchRevenue,
    Difference ConversionLift, Difference RevenuePerCustomerLift, decimal IncrementalRevenue,
    string Verdict, IReadOnlyList<ConversionPoint> Cumulative, int OverlappingCampaigns);

/// <summary>How many customers of each group had converted (ordered in their window) by <see cref="At"/>.</summary>
public sealed record ConversionPoint(DateTimeOffset At, long Messaged, long HeldOut);

/// <summary>
/// One group: its customers, how many of them ordered (conversions), their orders and revenue, the conversion rate and the
/// revenue per customer (zeros included).
/// </summary>
public sealed record GroupResult(long Customers, long Conversions, long Orders, decimal Revenue, double ConversionRate, double RevenuePerCustomer);

/// <summary>Messaged minus held out, with its 95% interval (null bounds: not computable yet, a group is empty).</summary>
public sealed record Difference(double Estimate, double? Low, double? High);
