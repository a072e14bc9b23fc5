using System.ComponentModel.DataAnnotations;

namespace MiniCrm.Workers.Journeys;

public sealed class JourneyOptions
{
    public const string SectionName = "Journeys";

    /// <summary>How often the Workers look for journey steps that are due (a wait that ended, a customer who just entered).</summary>
    [Range(50, 60_000)]
    public int IntervalMilliseconds { get; set; } = 250;

    /// <summary>Customers moved through their steps per transaction.</summary>
    [Range(1, 100_000)]
    public int ChunkSize { get; set; } = 10_000;

    /// <summary>Chunks of one journey run side by side, each in its own transaction.</summary>
    [Range(1, 16)]
    public int Parallelism { get; set; } = 2;
}
