namespace MiniCrm.Api.Application.Segments;

/// <summary>
/// How many customers the rules select who may be messaged (<c>count</c>), how many more they select who are left
/// out because they unsubscribed, reached the frequency cap, or were messaged within smart sending's window (each
/// counted for the first of these that applies), the rules in words, and a few of the audience.
/// </summary>
public sealed record SegmentPreview(long Count, long ExcludedForConsent, long ExcludedForFrequencyCap, long ExcludedForSmartSending, string Description,
    IReadOnlyList<CustomerSummary> Sample);
