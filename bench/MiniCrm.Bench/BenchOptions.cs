namespace MiniCrm.Bench;

public sealed record BenchOptions(long Customers, long Orders, int Previews, bool Full, bool ImportOnly = false, bool JourneyOnly = false)
{
    public const string Usage = "bench/run [--full] [--customers N] [--orders N] [--previews N] [--import-only] [--journey-only]";

    public static BenchOptions? Parse(string[] args)
    {
        var full = args.Contains("--full");
        long customers = full ? 1_000_000 : 200_000;
        long orders = full ? 1_000_000 : 200_000;
        var previews = 200;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--full":
                case "--import-only":
                case "--journey-only":
                    break;
                case "--customers" when i + 1 < args.Length && long.TryParse(args[i + 1], out var c) && c > 0:
                    customers = c;
                    i++;
                    break;
                case "--orders" when i + 1 < args.Length && long.TryParse(args[i + 1], out var o) && o >= 0:
                    orders = o;
                    i++;
                    break;
                case "--previews" when i + 1 < args.Length && int.TryParse(args[i + 1], out var p) && p > 0:
                    previews = p;
                    i++;
                    break;
                default:
                    return null;
            }
        }

        return new BenchOptions(customers, orders, previews, full, args.Contains("--import-only"), args.Contains("--journey-only"));
    }
}
