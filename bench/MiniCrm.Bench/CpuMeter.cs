namespace MiniCrm.Bench;

/// <summary>
/// CPU seconds used by each part of the system (from /proc), so a scenario shows where the two
/// cores went: PostgreSQL (every backend, and the ones that already exited), each service, and
/// this process, which hosts the AppHost and with it the Kafka emulator.
/// </summary>
public static class CpuMeter
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux

    public static readonly string[] Parts = ["postgres", "MiniCrm.Api", "MiniCrm.Workers", "MiniCrm.VendorSim", "MiniCrm.Ingest", "apphost+kafka"];

    public static Dictionary<string, double> Snapshot()
    {
        var seconds = Parts.ToDictionary(p => p, _ => 0.0);
        var self = Environment.ProcessId;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');

                // Fields after the command: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14).
                var own = (long.Parse(fields[11]) + long.Parse(fields[12])) / TicksPerSecond;
                var children = (long.Parse(fields[13]) + long.Parse(fields[14])) / TicksPerSecond;
                var name = stat[(stat.IndexOf('(') + 1)..stat.LastIndexOf(')')];
                if (pid == self)
                {
                    seconds["apphost+kafka"] += own;
                }
                else if (name == "postgres")
                {
                    // The postmaster's children times cover backends that have exited.
                    seconds["postgres"] += own + children;
                }
                else if (File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0')[0] is var command
                         && Parts.Contains(Path.GetFileName(command)))
                {
                    seconds[Path.GetFileName(command)] += own;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // The process ended while it was read.
            }
        }

        return seconds;
    }

    public static Dictionary<string, double> Since(Dictionary<string, double> before)
    {
        var now = Snapshot();
        return Parts.ToDictionary(p => p, p => Math.Max(0, now[p] - before[p]));
    }
}
