using MiniCrm.Core.Outcomes;

namespace MiniCrm.Tests.Unit;

/// <summary>Each formula against a published worked example.</summary>
[Trait("Category", "Unit")]
public sealed class LiftTests
{
    /// <summary>
    /// Newcombe (1998), "Interval estimation for the difference between independent proportions: comparison of eleven
    /// methods", Statistics in Medicine 17:873–890, Table II, example (a) 56/70 − 48/80: Wald 0.0575 to 0.3425; hybrid
    /// score (method 10) 0.0524 to 0.3339.
    /// </summary>
    [Fact]
    public void The_difference_of_two_proportions_matches_Newcombes_worked_example()
    {
        var score = Lift.ProportionDifference(56, 70, 48, 80);
        Assert.Equal(0.0524, score.Low, 0.00005);
        Assert.Equal(0.3339, score.High, 0.00005);
        var wald = Lift.WaldProportionDifference(56, 70, 48, 80);
        Assert.Equal(0.0575, wald.Low, 0.00005);
        Assert.Equal(0.3425, wald.High, 0.00005);
        Assert.True(score.ExcludesZero);
    }

    /// <summary>
    /// A published Welch interval (wyzant.com answer 838275): ulcer 18.97 ± 8.06488 (n 10) against normal 3.75625 ± 2.01659
    /// (n 16): SE 2.59969, 9.708 degrees of freedom, t(0.995) 3.1906, 99% interval [6.9192, 23.5083].
    /// </summary>
    [Fact]
    public void The_difference_of_two_means_matches_a_worked_Welch_interval()
    {
        Assert.Equal(9.708, Lift.WelchDegreesOfFreedom(8.06488, 10, 2.01659, 16), 0.0005);
        Assert.Equal(3.1906, Lift.StudentTQuantile(0.995, 9.708), 0.0005); // the example's calculator: 3.1906 (ours 3.19075)
        var interval = Lift.MeanDifference(18.97, 8.06488, 10, 3.75625, 2.01659, 16, confidence: 0.99);
        Assert.Equal(6.9192, interval.Low, 0.001); // at 9.708 degrees of freedom, not 9.7: the bounds move by 0.0005
        Assert.Equal(23.5083, interval.High, 0.001);
    }

    [Theory]
    [InlineData(0.975, 1, 12.7062)]
    [InlineData(0.975, 10, 2.2281)]
    [InlineData(0.995, 10, 3.1693)]
    [InlineData(0.995, 9, 3.2498)]
    [InlineData(0.975, 25, 2.0595)]
    [InlineData(0.95, 30, 1.6973)]
    [InlineData(0.975, 1e9, 1.9600)]
    public void Student_t_quantiles_match_the_tables(double p, double df, double t) =>
        Assert.Equal(t, Lift.StudentTQuantile(p, df), 0.00005);

    [Fact]
    public void Normal_quantiles_and_small_groups_behave()
    {
        Assert.Equal(1.959964, Lift.NormalQuantile(0.975), 0.000001);
        Assert.Equal(-2.326348, Lift.NormalQuantile(0.01), 0.000001);
        // Nothing converted on either side: the interval still has width (Wald's would be [0, 0]).
        var none = Lift.ProportionDifference(0, 50, 0, 50);
        Assert.True(none.Low < 0 && none.High > 0);
        Assert.False(Lift.MeanDifference(1, 0, 1, 1, 0, 1).ExcludesZero);
        // Per-customer revenue from its sums: 0, 0, 10, 30 → sd 14.1421.
        Assert.Equal(14.1421, Lift.StandardDeviation(40, 1000, 4), 0.0001);
    }

    /// <summary>Money on the pages is grouped as the browser's language groups it, like the counts beside it; the summaries keep one form.</summary>
    [Theory]
    [InlineData("en-US", "243,100.00")]
    [InlineData("en-IN", "2,43,100.00")]
    [InlineData("de-DE", "243.100,00")]
    public void Money_reads_in_the_pages_culture(string culture, string expected)
    {
        Assert.Equal(expected, Figures.Money(243_100m, System.Globalization.CultureInfo.GetCultureInfo(culture)));
        Assert.Equal("−" + expected, Figures.Money(-243_100m, System.Globalization.CultureInfo.GetCultureInfo(culture)));
        Assert.Equal("243,100.00", Figures.Money(243_100m));
    }
}
