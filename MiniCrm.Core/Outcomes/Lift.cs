namespace MiniCrm.Core.Outcomes;

/// <summary>An interval around an estimate, as [<see cref="Low"/>, <see cref="High"/>].</summary>
public readonly record struct Interval(double Low, double High)
{
    public bool Contains(double value) => Low <= value && value <= High;

    /// <summary>Entirely above or entirely below zero: the difference is real at this confidence.</summary>
    public bool ExcludesZero => Low > 0 || High < 0;
}

/// <summary>
/// The statistics of a campaign's lift, in one place and without dependencies (each pinned by a unit test against a
/// published worked example): the difference of two proportions with Newcombe's hybrid score interval (method 10 of
/// Newcombe 1998, from Wilson's score interval of each proportion; it behaves where the Wald interval does not, near 0%
/// and with small groups), and the difference of two means with Welch's interval (unequal variances, Welch–Satterthwaite
/// degrees of freedom, Student's t quantile).
/// </summary>
public static class Lift
{
    /// <summary>Wilson's score interval of the proportion <paramref name="successes"/>/<paramref name="n"/>.</summary>
    public static Interval Wilson(long successes, long n, double confidence = 0.95)
    {
        if (n <= 0)
        {
            return new Interval(0, 1);
        }

        var z = NormalQuantile(1 - (1 - confidence) / 2);
        var p = (double)successes / n;
        var denominator = 1 + z * z / n;
        var centre = (p + z * z / (2 * n)) / denominator;
        var half = z * Math.Sqrt(p * (1 - p) / n + z * z / (4.0 * n * n)) / denominator;
        return new Interval(Math.Max(0, centre - half), Math.Min(1, centre + half));
    }

    /// <summary>
    /// p1 − p2, with Newcombe's hybrid score interval: (p1 − p2) − √((p1 − l1)² + (u2 − p2)²) to
    /// (p1 − p2) + √((u1 − p1)² + (p2 − l2)²), where [l, u] are the Wilson intervals.
    /// </summary>
    public static Interval ProportionDifference(long x1, long n1, long x2, long n2, double confidence = 0.95)
    {
        var (p1, p2) = (n1 > 0 ? (double)x1 / n1 : 0, n2 > 0 ? (double)x2 / n2 : 0);
        var (w1, w2) = (Wilson(x1, n1, confidence), Wilson(x2, n2, confidence));
        var d = p1 - p2;
        return new Interval(
            d - Math.Sqrt(Square(p1 - w1.Low) + Square(w2.High - p2)),
            d + Math.Sqrt(Square(w1.High - p1) + Square(p2 - w2.Low)));
    }

    /// <summary>The Wald interval of p1 − p2 (shown for comparison in the tests; the results use <see cref="ProportionDifference"/>).</summary>
    public static Interval WaldProportionDifference(long x1, long n1, long x2, long n2, double confidence = 0.95)
    {
        var (p1, p2) = ((double)x1 / n1, (double)x2 / n2);
        var half = NormalQuantile(1 - (1 - confidence) / 2) * Math.Sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2);
        return new Interval(p1 - p2 - half, p1 - p2 + half);
    }

    /// <summary>Welch–Satterthwaite degrees of freedom of two groups' standard deviations and sizes.</summary>
    public static double WelchDegreesOfFreedom(double sd1, long n1, double sd2, long n2)
    {
        var (v1, v2) = (sd1 * sd1 / n1, sd2 * sd2 / n2);
        var denominator = v1 * v1 / (n1 - 1) + v2 * v2 / (n2 - 1);
        return denominator == 0 ? double.PositiveInfinity : Square(v1 + v2) / denominator;
    }

    /// <summary>mean1 − mean2 with Welch's interval (groups of at least two each; otherwise everything is possible).</summary>
    public static Interval MeanDifference(double mean1, double sd1, long n1, double mean2, double sd2, long n2, double confidence = 0.95)
    {
        var d = mean1 - mean2;
        if (n1 < 2 || n2 < 2)
        {
            return new Interval(double.NegativeInfinity, double.PositiveInfinity);
        }

        var se = Math.Sqrt(sd1 * sd1 / n1 + sd2 * sd2 / n2);
        var t = StudentTQuantile(1 - (1 - confidence) / 2, WelchDegreesOfFreedom(sd1, n1, sd2, n2));
        return new Interval(d - t * se, d + t * se);
    }

    /// <summary>The sample standard deviation of n values from their sum and sum of squares (per-customer revenue, zeros included).</summary>
    public static double StandardDeviation(double sum, double sumOfSquares, long n) =>
        n < 2 ? 0 : Math.Sqrt(Math.Max(0, (sumOfSquares - sum * sum / n) / (n - 1)));

    /// <summary>The standard normal quantile (Acklam's rational approximation: relative error below 1.2e-9).</summary>
    public static double NormalQuantile(double p)
    {
        if (p <= 0 || p >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(p), "Must be strictly between 0 and 1.");
        }

        double[] a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00];
        double[] b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01];
        double[] c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00];
        double[] d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
        double x;
        if (p < 0.02425)
        {
            var q = Math.Sqrt(-2 * Math.Log(p));
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        else if (p > 1 - 0.02425)
        {
            var q = Math.Sqrt(-2 * Math.Log(1 - p));
            x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        else
        {
            var q = p - 0.5;
            var r = q * q;
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
        }

        return x;
    }

    /// <summary>Student's t distribution's CDF at <paramref name="t"/> with <paramref name="df"/> degrees of freedom (any real df &gt; 0).</summary>
    public static double StudentTCdf(double t, double df)
    {
        if (double.IsPositiveInfinity(df))
        {
            return 0.5 * Erfc(-t / Math.Sqrt(2));
        }

        var tail = 0.5 * RegularizedBeta(df / (df + t * t), df / 2, 0.5);
        return t >= 0 ? 1 - tail : tail;
    }

    /// <summary>The t quantile: the t with CDF <paramref name="p"/>, by bisection on <see cref="StudentTCdf"/> (to 1e-12).</summary>
    public static double StudentTQuantile(double p, double df)
    {
        if (double.IsPositiveInfinity(df) || df > 1e7)
        {
            return NormalQuantile(p);
        }

        var (low, high) = (-1e4, 1e4);
        for (var i = 0; i < 200 && high - low > 1e-12; i++)
        {
            var mid = (low + high) / 2;
            if (StudentTCdf(mid, df) < p)
            {
                low = mid;
            }
            else
            {
                high = mid;
            }
        }

        return (low + high) / 2;
    }

    private static double Square(double x) => x * x;

    /// <summary>The complementary error function (Numerical Recipes' erfcc, Chebyshev fit: relative error below 1.2e-7), for the normal CDF.</summary>
    private static double Erfc(double x)
    {
        var z = Math.Abs(x);
        var t = 1 / (1 + 0.5 * z);
        var r = t * Math.Exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
                t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? r : 2 - r;
    }

    /// <summary>The regularized incomplete beta function I_x(a, b) (continued fraction, Numerical Recipes §6.4).</summary>
    private static double RegularizedBeta(double x, double a, double b)
    {
        if (x <= 0)
        {
            return 0;
        }

        if (x >= 1)
        {
            return 1;
        }

        var front = Math.Exp(LogGamma(a + b) - LogGamma(a) - LogGamma(b) + a * Math.Log(x) + b * Math.Log(1 - x));
        return x < (a + 1) / (a + b + 2)
            ? front * BetaFraction(x, a, b) / a
            : 1 - front * BetaFraction(1 - x, b, a) / b;
    }

    private static double BetaFraction(double x, double a, double b)
    {
        const double Tiny = 1e-300;
        var (qab, qap, qam) = (a + b, a + 1, a - 1);
        var c = 1.0;
        var d = 1 - qab * x / qap;
        d = Math.Abs(d) < Tiny ? Tiny : d;
        d = 1 / d;
        var h = d;
        for (var m = 1; m <= 10_000; m++)
        {
            var m2 = 2 * m;
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2));
            d = 1 + aa * d;
            d = Math.Abs(d) < Tiny ? Tiny : d;
            c = 1 + aa / c;
            c = Math.Abs(c) < Tiny ? Tiny : c;
            d = 1 / d;
            h *= d * c;
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
            d = 1 + aa * d;
            d = Math.Abs(d) < Tiny ? Tiny : d;
            c = 1 + aa / c;
            c = Math.Abs(c) < Tiny ? Tiny : c;
            d = 1 / d;
            var delta = d * c;
            h *= delta;
            if (Math.Abs(delta - 1) < 1e-15)
            {
                break;
            }
        }

        return h;
    }

    /// <summary>ln Γ(x) for x &gt; 0 (Lanczos, g = 7, n = 9: about 15 digits).</summary>
    private static double LogGamma(double x)
    {
        double[] g = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
                      12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
        if (x < 0.5)
        {
            return Math.Log(Math.PI / Math.Abs(Math.Sin(Math.PI * x))) - LogGamma(1 - x);
        }

        x -= 1;
        var sum = g[0];
        for (var i = 1; i < 9; i++)
        {
            sum += g[i] / (x + i);
        }

        var t = x + 7.5;
        return 0.5 * Math.Log(2 * Math.PI) + (x + 0.5) * Math.Log(t) - t + Math.Log(sum);
    }
}
