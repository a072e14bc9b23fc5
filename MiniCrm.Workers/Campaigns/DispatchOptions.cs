using System.ComponentModel.DataAnnotations;
using System.Diagnostics;

namespace MiniCrm.Workers.Campaigns;

/// <summary>Campaign preparation and dispatch: <c>Dispatch:*</c>. Bound and validated at start.</summary>
public sealed class DispatchOptions
{
    public const string SectionName = "Dispatch";

    /// <summary>Log rows read and handed to Kafka per step (one transaction).</summary>
    [Range(1, 1_000_000)]
    public int StepSize { get; set; } = 40_000;

    /// <summary>Deliveries per campaign-deliveries message (one vendor request).</summary>
    [Range(1, 5_000)]
    public int DeliveriesPerMessage { get; set; } = 500;

    /// <summary>Deliveries per second for a campaign launched without its own rate; 0 for no limit.</summary>
    [Range(0, 1_000_000)]
    public int MaxPerSecondPerCampaign { get; set; }

    /// <summary>Pause dispatching while the delivery consumers are this many messages behind on any partition.</summary>
    [Range(1, long.MaxValue)]
    public long MaxPartitionLag { get; set; } = 60;

    /// <summary>How long the outbox waits when it found nothing to do.</summary>
    [Range(10, 60_000)]
    public int PollMilliseconds { get; set; } = 250;

    /// <summary>Connections that write a campaign's log rows side by side (one per core is right).</summary>
    [Range(1, 64)]
    public int PrepareSlices { get; set; } = 2;

    /// <summary>Below this many pages of customers (8 KiB each) one statement writes the log.</summary>
    [Range(1, long.MaxValue)]
    public long PrepareSliceMinPages { get; set; } = 4_096;
}

/// <summary>The campaign flow's spans: each continues the trace of the request that launched the campaign.</summary>
internal static class CampaignTracing
{
    public static readonly ActivitySource Source = MiniCrm.Core.Telemetry.CrmTelemetry.Source;

    public static ActivityContext ParentOf(string? traceParent) =>
        ActivityContext.TryParse(traceParent, null, isRemote: true, out var context) ? context : default;
}
