using System.ComponentModel.DataAnnotations;

namespace MiniCrm.Api.Http;

/// <summary>Requests allowed per minute, per marketer (or per key, or per address for sign-in): <c>RateLimits:*</c>.</summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "RateLimits";

    [Range(1, 100_000)]
    public int SignInPerMinute { get; set; } = 30;

    /// <summary>Receipt batches per minute per source address (each carries up to 5,000 receipts); anonymous until the signature is checked.</summary>
    [Range(1, 1_000_000)]
    public int ReceiptsPerMinute { get; set; } = 6_000;

    [Range(1, 100_000)]
    public int PreviewPerMinute { get; set; } = 240;

    [Range(1, 100_000)]
    public int LaunchPerMinute { get; set; } = 30;

    [Range(1, 100_000)]
    public int AiPerMinute { get; set; } = 30;

    /// <summary>Ingestion requests per minute per API key (each carries up to 5,000 items); backpressure still applies below it.</summary>
    [Range(1, 1_000_000)]
    public int IngestionPerMinute { get; set; } = 12_000;
}
