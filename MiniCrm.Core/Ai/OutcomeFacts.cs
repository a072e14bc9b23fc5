using System.Globalization;
using MiniCrm.Core.Outcomes;

namespace MiniCrm.Core.Ai;

/// <summary>
/// What a campaign earned, for its summary once its results are final: within <see cref="AttributionDays"/> days, how many
/// of the <see cref="Messaged"/> customers ordered and their revenue; of the <see cref="HeldOut"/> customers (0: no control
/// group), how many ordered and their revenue. The rates, the lift in points and its 95% interval follow from those
/// (Newcombe's hybrid score interval, as on the Results panel), each rounded as the summary writes it.
/// </summary>
public sealed record OutcomeFacts(int AttributionDays, long Messaged, long Conversions, decimal Revenue, long HeldOut, long HeldOutConversions, decimal HeldOutRevenue)
{
    /// <summary>Below this many customers in either group the lift is not called (the Results panel's rule).</summary>
    public const int SmallestGroup = 100;

    public decimal Rate => Percent(Conversions, Messaged);

    public decimal HeldOutRate => Percent(HeldOutConversions, HeldOut);

    /// <summary>Messaged minus held-out conversion rate, in points with one decimal.</summary>
    public decimal LiftPoints => Points((double)Conversions / Math.Max(1, Messaged) - (double)HeldOutConversions / Math.Max(1, HeldOut));

    public (decimal Low, decimal High)? Interval => Messaged > 0 && HeldOut > 0
        ? Lift.ProportionDifference(Conversions, Messaged, HeldOutConversions, HeldOut) is var i ? (Points(i.Low), Points(i.High)) : null
        : null;

    /// <summary>Revenue beyond what as many held-out customers spent (messaged revenue − held-out revenue × messaged ÷ held out).</summary>
    public decimal IncrementalRevenue => HeldOut == 0 ? 0 : Math.Round(Revenue - HeldOutRevenue * Messaged / HeldOut, 2);

    /// <summary>The outcome in words, one or two sentences, every number from these facts.</summary>
    public string Render()
    {
        if (Messaged == 0)
        {
            return HeldOut == 0
                ? "No message was delivered, so no order is attributed to it."
                : string.Create(CultureInfo.InvariantCulture,
                    $"No message was delivered, so no order is attributed to it; of the {HeldOut:N0} held out, {HeldOutConversions:N0} ordered within {AttributionDays} {(AttributionDays == 1 ? "day" : "days")} ({HeldOutRate:0.0}%).");
        }

        var reached = string.Create(CultureInfo.InvariantCulture,
            $"Within {AttributionDays} {(AttributionDays == 1 ? "day" : "days")} of their message, {Conversions:N0} of the {Messaged:N0} customers it reached ordered ({Rate:0.0}%), for {Figures.Money(Revenue)} in revenue");
        if (HeldOut == 0)
        {
            return reached + "; with no control group, how many would have ordered anyway is unknown.";
        }

        var held = string.Create(CultureInfo.InvariantCulture, $"; of the {HeldOut:N0} held out, {HeldOutConversions:N0} ordered ({HeldOutRate:0.0}%).");
        var (low, high) = Interval!.Value;
        var lift = string.Create(CultureInfo.InvariantCulture, $"{Figures.Signed(LiftPoints)} points, between {Figures.Signed(low)} and {Figures.Signed(high)}");
        var verdict = Messaged < SmallestGroup || HeldOut < SmallestGroup
            ? $" The groups were too small to tell what the campaign changed ({lift})."
            : low > 0 ? $" A lift of {lift}: the campaign made a difference, worth {Figures.Money(IncrementalRevenue)} beyond its control group."
            : high < 0 ? $" {lift}: fewer of the messaged customers ordered than of those held out."
            : $" No clear difference: {lift}.";
        return reached + held + verdict;
    }

    /// <summary>Every number the outcome sentences may state (as written, and rounded to whole numbers).</summary>
    public IEnumerable<decimal> Numbers()
    {
        var numbers = new List<decimal> { AttributionDays, Messaged, Conversions, Rate, Revenue, HeldOut, HeldOutConversions, HeldOutRate, HeldOutRevenue, LiftPoints, IncrementalRevenue, 95 };
        if (Interval is var (low, high))
        {
            numbers.AddRange([low, high]);
        }

        return numbers.Select(Math.Abs).SelectMany(n => new[] { n, Math.Round(n) });
    }

    private static decimal Percent(long part, long whole) => whole == 0 ? 0 : Math.Round(100m * part / whole, 1, MidpointRounding.AwayFromZero);

    private static decimal Points(double difference) => Math.Round((decimal)(difference * 100), 1, MidpointRounding.AwayFromZero);


}
