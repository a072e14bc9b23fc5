using System.Globalization;
using System.Text.RegularExpressions;

namespace MiniCrm.Core.Ai;

public sealed record FailureCount(string Reason, int Count);

/// <summary>
/// What a finished campaign's summary may say: its reach, delivered and failed counts, success rate and
/// the failure reasons seen (<see cref="Failures"/>, the most frequent first; when there were more kinds of reason than
/// those listed, <see cref="ReasonKinds"/> says how many), and once its results are final what it earned (<see cref="Outcome"/>).
/// The offline provider renders them; a model's summary is checked against them.
/// </summary>
public sealed partial record CampaignFacts(string Name, int AudienceSize, int Delivered, int Failed, IReadOnlyList<FailureCount> Failures, int Cancelled = 0,
    int? ReasonKinds = null, OutcomeFacts? Outcome = null)
{
    public const int MaxSummaryLength = 1_000;

    /// <summary>The failure reasons a summary names; the rest are counted together, never left out as if they were not there.</summary>
    public const int ReasonsNamed = 3;

    /// <summary>How many reasons this summary names: three, or all four when one more would be all there is ("1 other reason" says less than its name).</summary>
    public int Named => Math.Max(ReasonKinds ?? 0, Failures.Count) == ReasonsNamed + 1 && Failures.Count == ReasonsNamed + 1 ? ReasonsNamed + 1 : ReasonsNamed;

    /// <summary>The reasons past the named ones, and how many deliveries failed for them.</summary>
    public (int Reasons, int Deliveries) OtherFailures
    {
        get
        {
            var kinds = Math.Max(ReasonKinds ?? 0, Failures.Count);
            var named = Failures.Take(Named).ToList();
            // Past the listed reasons, the failed counter holds what the list does not.
            var others = kinds > Failures.Count ? Math.Max(0, Failed - named.Sum(f => f.Count)) : Failures.Skip(Named).Sum(f => f.Count);
            return (kinds - named.Count, others);
        }
    }

    /// <summary>Delivered as a share of the audience, in percent with one decimal.</summary>
    public decimal SuccessRate => Math.Round(100m * Delivered / Math.Max(AudienceSize, 1), 1, MidpointRounding.AwayFromZero);

    /// <summary>The offline provider's summary: every number from the campaign's own counters.</summary>
    public string Render() => Outcome is { } earned && AudienceSize > 0 ? Delivery() + " " + earned.Render() : Delivery();

    private string Delivery()
    {
        if (AudienceSize == 0)
        {
            return $"{Name} sent no messages.";
        }

        var text = Cancelled == 0
            ? string.Create(CultureInfo.InvariantCulture,
                $"{Name} went to {AudienceSize} customers: {Delivered} delivered and {Failed} failed, a delivery success rate of {SuccessRate:0.0}%.")
            : string.Create(CultureInfo.InvariantCulture,
                $"{Name} was cancelled with {Cancelled} of its {AudienceSize} messages not sent: {Delivered} delivered and {Failed} failed, a delivery success rate of {SuccessRate:0.0}% of the audience.");
        if (Failures.Count == 0)
        {
            return text;
        }

        var named = string.Join(", ", Failures.Take(Named).Select(f => $"{f.Reason} ({f.Count})"));
        var (others, deliveries) = OtherFailures;
        return others == 0
            ? text + $" The failures were: {named}."
            : text + string.Create(CultureInfo.InvariantCulture,
                $" The most frequent failures were: {named}; {others} other {(others == 1 ? "reason accounts" : "reasons account")} for the other {deliveries}.");
    }

    /// <summary>
    /// Why a summary (from a model) cannot be used, or null when it can: it must be two or three readable
    /// sentences, state the delivered count, and use no number the facts do not hold.
    /// </summary>
    public string? Problem(string summary)
    {
        if (summary.Length is 0 or > MaxSummaryLength)
        {
            return $"a summary must be 1 to {MaxSummaryLength} characters";
        }

        if (summary.Contains("{{", StringComparison.Ordinal))
        {
            return "a summary has no placeholders";
        }

        var sentences = SentenceEnd().Matches(summary).Count;
        var most = Outcome is null ? 4 : 6;
        if (sentences < 1 || sentences > most)
        {
            return $"a summary is {(Outcome is null ? "two or three" : "three to five")} sentences, not {sentences}";
        }

        var allowed = AllowedNumbers();
        var numbers = NumbersIn(summary).ToList();
        if (numbers.Where(n => !allowed.Contains(n)).Select(n => (decimal?)n).FirstOrDefault() is { } unknown)
        {
            return string.Create(CultureInfo.InvariantCulture, $"the summary states {unknown}, which is not in the campaign's numbers");
        }

        return numbers.Contains(Delivered) ? null : string.Create(CultureInfo.InvariantCulture, $"the summary does not state the {Delivered} delivered");
    }

    private HashSet<decimal> AllowedNumbers()
    {
        var failedShare = Math.Round(100m * Failed / Math.Max(AudienceSize, 1), 1, MidpointRounding.AwayFromZero);
        var allowed = new HashSet<decimal>
        {
            AudienceSize, Delivered, Failed, Cancelled, AudienceSize - Delivered - Failed, AudienceSize - Delivered - Failed - Cancelled, SuccessRate, Math.Round(SuccessRate), failedShare, Math.Round(failedShare), 100,
        };
        allowed.UnionWith(Failures.Select(f => (decimal)f.Count));
        allowed.UnionWith([OtherFailures.Reasons, OtherFailures.Deliveries, Failures.Count, ReasonsNamed]);
        allowed.UnionWith(Outcome?.Numbers() ?? []);
        // Numbers that are part of a name or a reason ("Diwali 2026", "HTTP 503") may be repeated.
        allowed.UnionWith(NumbersIn(Name));
        allowed.UnionWith(Failures.SelectMany(f => NumbersIn(f.Reason)));
        return allowed;
    }

    private static IEnumerable<decimal> NumbersIn(string text) =>
        NumberPattern().Matches(text).Select(m => decimal.Parse(m.Value.Replace(",", ""), CultureInfo.InvariantCulture));

    [GeneratedRegex(@"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")]
    private static partial Regex NumberPattern();

    [GeneratedRegex(@"[.!?](?=\s|$)")]
    private static partial Regex SentenceEnd();
}
