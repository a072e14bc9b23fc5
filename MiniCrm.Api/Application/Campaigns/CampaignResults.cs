namespace MiniCrm.Api.Application.Campaigns;

/// <summary>
/// What a campaign earned (README, "What a campaign earned", defines each figure): the messaged customers and the held-out
/// ones, each group's conversions and revenue in the attribution window, the differences with their 95% intervals, the
/// last-touch revenue, and a verdict in words. <see cref="Final"/> once every window has closed.
/// </summary>
public sealed record CampaignResults(
    Guid CampaignId, int AttributionDays, int HoldoutPercent, bool Final, DateTimeOffset? WindowClosesAt,
    GroupResult Messaged, GroupResult HeldOut,
    decimal AttributedRevenue, decimal LastTouchRevenue,
    Difference ConversionLift, Difference RevenuePerCustomerLift, decimal IncrementalRevenue,
    string Verdict);

/// <summary>
/// One group: its customers, how many of them ordered (conversions), their orders and revenue, the conversion rate and the
/// revenue per customer (zeros included).
/// </summary>
public sealed record GroupResult(long Customers, long Conversions, long Orders, decimal Revenue, double ConversionRate, double RevenuePerCustomer);

/// <summary>Messaged minus held out, with its 95% interval (null bounds: not computable yet, a group is empty).</summary>
public sealed record Difference(double Estimate, double? Low, double? High);
