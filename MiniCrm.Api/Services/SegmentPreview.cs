namespace MiniCrm.Api.Services;

/// <summary>
/// How many customers the rules select who may be messaged (<c>count</c>), how many more they select who are left
/// out because they unsubscribed or reached the frequency cap, the rules in words, and a few of the audience.
/// </summary>
public sealed record SegmentPreview(long Count, long ExcludedForConsent, long ExcludedForFrequencyCap, string Description, IReadOnlyList<CustomerSummary> Sample);
