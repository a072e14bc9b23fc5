using System.ComponentModel.DataAnnotations;

namespace MiniCrm.Ingest.Submission;

/// <summary>How Ingest submits: <c>Ingest:*</c>. Bound and validated at start.</summary>
public sealed class IngestOptions
{
    public const string SectionName = "Ingest";

    /// <summary>The Api when Ingest runs from a terminal; under the AppHost, service discovery finds it.</summary>
    [Required, Url]
    public string ApiBaseAddress { get; set; } = "http://localhost:5080";

    /// <summary>Items per request (the Api takes up to 5,000).</summary>
    [Range(1, 5_000)]
    public int BatchSize { get; set; } = 2_000;

    /// <summary>Requests in flight.</summary>
    [Range(1, 64)]
    public int Concurrency { get; set; } = 8;
}
