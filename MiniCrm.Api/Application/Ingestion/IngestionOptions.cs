using System.ComponentModel.DataAnnotations;

namespace MiniCrm.Api.Application.Ingestion;

/// <summary>Ingestion endpoints: <c>Ingestion:*</c>. Bound and validated at start.</summary>
public sealed class IngestionOptions
{
    public const string SectionName = "Ingestion";

    /// <summary>The key sources send in X-Api-Key (the AppHost's ingest-api-key); empty refuses every request.</summary>
    public string ApiKey { get; set; } = "";

    /// <summary>Answer 503 while a consumer group lags more than this many messages on any partition.</summary>
    [Range(1, long.MaxValue)]
    public long MaxPartitionLag { get; set; } = 20_000;

    /// <summary>How long a request waits for Kafka's acknowledgement before it answers 503.</summary>
    [Range(1, 300)]
    public int AcknowledgeTimeoutSeconds { get; set; } = 15;

    /// <summary>How often consumer lag is measured.</summary>
    [Range(50, 60_000)]
    public int LagPollMilliseconds { get; set; } = 500;
}
