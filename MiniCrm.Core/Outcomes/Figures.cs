using System.Globalization;

namespace MiniCrm.Core.Outcomes;

/// <summary>How the outcome figures read, in the verdicts, the summaries and on the pages alike: rates as percents, differences in points, money to the cent.</summary>
public static class Figures
{
    /// <summary>0.0805 → "8.1%".</summary>
    public static string Percent(double rate) => (rate * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    /// <summary>0.019 → "+1.9 points"; −0.03 → "−3.0 points".</summary>
    public static string Points(double difference) =>
        (difference >= 0 ? "+" : "−") + Math.Abs(difference * 100).ToString("0.0", CultureInfo.InvariantCulture) + " points";

    /// <summary>Points already rounded, with their sign: 1.9 → "+1.9"; −3 → "−3.0".</summary>
    public static string Signed(decimal points) => (points >= 0 ? "+" : "−") + Math.Abs(points).ToString("0.0", CultureInfo.InvariantCulture);

    /// <summary>An amount with thousands separators and cents: 243100 → "243,100.00" (negative with a minus sign), as the summaries and verdicts write it.</summary>
    public static string Money(decimal amount) => Money(amount, CultureInfo.GetCultureInfo("en-US"));

    /// <summary>
    /// An amount as <paramref name="culture"/> groups it (en-IN: "2,43,100.00"): the pages pass the browser's culture, so
    /// money reads like the counts beside it.
    /// </summary>
    public static string Money(decimal amount, CultureInfo culture) =>
        (amount < 0 ? "−" : "") + Math.Abs(amount).ToString("N2", culture);
}
