using System.Globalization;

namespace MiniCrm.Ingest.Submission;

/// <summary>
/// <c>seed --customers N --orders M</c> and <c>stream --rate N</c> from a terminal, against a running
/// system (in Development: http://localhost:5080 and the AppHost's generated API key, no flags needed).
/// </summary>
internal static class IngestCommandLine
{
    public const string Usage = """
        Usage:
          dotnet run --project MiniCrm.Ingest -- seed [--customers 2000] [--orders 6000]
          dotnet run --project MiniCrm.Ingest -- stream [--rate 20]
        Settings (appsettings, environment or --Key=Value): Ingest:ApiBaseAddress, Ingestion:ApiKey, Ingest:BatchSize, Ingest:Concurrency
        """;

    public static bool IsCommand(string[] args) => args.Length > 0 && args[0] is "seed" or "stream" or "help" or "--help";

    public static async Task<int> RunAsync(string[] args, IServiceProvider services)
    {
        if (args[0] is "help" or "--help")
        {
            Console.WriteLine(Usage);
            return 0;
        }

        var options = Options(args.Skip(1).ToArray());
        if (options is null)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
        await using var scope = services.CreateAsyncScope();
        IngestRunner runner;
        try
        {
            runner = scope.ServiceProvider.GetRequiredService<IngestRunner>();
        }
        catch (InvalidOperationException ex)
        {
            Console.Error.WriteLine($"Ingest cannot start: {ex.Message}");
            return 1;
        }

        var progress = args[0] == "seed"
            ? new IngestProgress { Kind = "seed", CustomersTarget = Get(options, "customers", 2_000), OrdersTarget = Get(options, "orders", 6_000) }
            : new IngestProgress { Kind = "stream" };
        var work = args[0] == "seed"
            ? runner.SeedAsync(progress.CustomersTarget, progress.OrdersTarget, progress, cancel.Token)
            : runner.StreamAsync((int)Get(options, "rate", 20), progress, cancel.Token);

        try
        {
            while (!work.IsCompleted)
            {
                Draw(progress);
                await Task.WhenAny(work, Task.Delay(500));
            }

            await work;
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException)
        {
            Console.Error.WriteLine();
            Console.Error.WriteLine($"Ingest failed: {ex.Message}");
            return 1;
        }

        progress.Stop();
        Draw(progress);
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Done in {progress.ElapsedSeconds:N1} s: {progress.CustomersAccepted:N0} customers ({progress.CustomersPerSecond:N0}/s), {progress.OrdersAccepted:N0} orders ({progress.OrdersPerSecond:N0}/s) accepted; {progress.CustomersRejected + progress.OrdersRejected:N0} rejected."));
        foreach (var rejection in progress.SampleRejections.Take(5))
        {
            Console.WriteLine("  rejected " + rejection);
        }

        return 0;
    }

    private static void Draw(IngestProgress p)
    {
        var target = p.CustomersTarget + p.OrdersTarget;
        var done = p.CustomersAccepted + p.CustomersRejected + p.OrdersAccepted + p.OrdersRejected;
        var bar = target > 0 ? new string('#', (int)(30 * done / target)).PadRight(30, '.') : new string('~', 30);
        Console.Write(string.Create(CultureInfo.InvariantCulture,
            $"\r[{bar}] {done:N0}/{(target > 0 ? target.ToString("N0", CultureInfo.InvariantCulture) : "∞")}  customers {p.CustomersPerSecond:N0}/s  orders {p.OrdersPerSecond:N0}/s  "));
    }

    private static Dictionary<string, string>? Options(string[] args)
    {
        var options = new Dictionary<string, string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                return null;
            }

            if (args[i].Contains('='))
            {
                continue; // a configuration override such as --Ingest:BatchSize=500
            }

            if (i + 1 >= args.Length)
            {
                return null;
            }

            options[args[i][2..]] = args[++i];
        }

        return options;
    }

    private static long Get(Dictionary<string, string> options, string name, long fallback) =>
        options.TryGetValue(name, out var text) && long.TryParse(text, CultureInfo.InvariantCulture, out var value) && value >= 0 ? value : fallback;
}
