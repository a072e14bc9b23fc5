using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using MiniCrm.Core.Ai;
using MiniCrm.Core.Campaigns;
using MiniCrm.ServiceDefaults.Operations;
using Npgsql;
using NpgsqlTypes;
using OpenTelemetry;

using MiniCrm.Workers.Jobs;

namespace MiniCrm.Workers.Campaigns;

public sealed class SummaryOptions
{
    public const string SectionName = "Summaries";

    /// <summary>How often the Workers look for completed campaigns whose summary a model should write.</summary>
    [Range(1, 3_600)]
    public int IntervalSeconds { get; set; } = 2;
}

/// <summary>
/// When a model is configured, asks it for the summary of each completed campaign. Completion never waits
/// for it: the campaign completes with the offline summary, and this replaces it with the model's once
/// the model has answered and the answer has passed its checks (the campaign's own numbers only). A
/// campaign is claimed for a lease, so two Workers never ask twice and a crash mid-call is retried by
/// whoever comes next; a model that fails or times out leaves the offline summary in place, said so in the log.
/// </summary>
public sealed partial class CampaignSummaryWriter(
    NpgsqlDataSource database,
    CrmAssistant assistant,
    IOptions<AiOptions> ai,
    IOptions<SummaryOptions> options,
    DrainSignal drain,
    ILogger<CampaignSummaryWriter> logger) : PollingJob(drain, logger)
{
    private static readonly string Claim = $"""
        UPDATE campaigns
        SET summary_due_at = clock_timestamp() + @lease * interval '1 second'
        WHERE id IN (SELECT id FROM campaigns
                     WHERE summary_due_at <= clock_timestamp()
                     ORDER BY summary_due_at
                     LIMIT 4
                     FOR UPDATE SKIP LOCKED)
        RETURNING {CampaignFactsSql.Columns}, campaigns.trace_parent
        """;

    protected override TimeSpan Interval => TimeSpan.FromSeconds(options.Value.IntervalSeconds);

    // Without a model, the offline summary written at completion is the summary.
    protected override bool Enabled => ai.Value.UsesModel;

    public override async Task RunOnceAsync(CancellationToken ct)
    {
        while (await WriteDueAsync(ct) > 0 && !ct.IsCancellationRequested)
        {
        }
    }

    /// <returns>How many campaigns it took.</returns>
    public async Task<int> WriteDueAsync(CancellationToken ct)
    {
        var due = new List<(Guid Id, CampaignFacts Facts, string? TraceParent)>();
        // Looking for work is not work: an idle poll leaves no trace.
        using (SuppressInstrumentationScope.Begin())
        {
            await using var claim = database.CreateCommand(Claim);
            // Long enough for one call per claimed campaign, so a lease runs out only when its Workers have gone.
            claim.Parameters.Add(new NpgsqlParameter("lease", NpgsqlDbType.Double) { Value = 4.0 * ai.Value.TimeoutSeconds + 30 });
            await using var reader = await claim.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var (id, facts) = CampaignFactsSql.Read(reader);
                due.Add((id, facts, reader.IsDBNull(CampaignFactsSql.Count) ? null : reader.GetString(CampaignFactsSql.Count)));
            }
        }

        foreach (var (id, facts, traceParent) in due)
        {
            // In the campaign's trace, beside its preparation and dispatch.
            using var activity = CampaignTracing.Source.StartActivity("summarise campaign", ActivityKind.Internal, CampaignTracing.ParentOf(traceParent));
            activity?.SetTag("minicrm.campaign.id", id);
            var summary = await assistant.SummaryAsync(facts, ct);
            await using var write = database.CreateCommand(summary.Fallback is null
                ? "UPDATE campaigns SET summary = @summary, summary_provider = @provider, summary_due_at = NULL WHERE id = @id AND summary_due_at IS NOT NULL"
                : "UPDATE campaigns SET summary_due_at = NULL WHERE id = @id AND summary_due_at IS NOT NULL");
            write.Parameters.Add(new NpgsqlParameter("id", NpgsqlDbType.Uuid) { Value = id });
            write.Parameters.Add(new NpgsqlParameter("summary", NpgsqlDbType.Text) { Value = summary.Value });
            write.Parameters.Add(new NpgsqlParameter("provider", NpgsqlDbType.Text) { Value = summary.Provider });
            await write.ExecuteNonQueryAsync(ct);
            if (summary.Fallback is not null)
            {
                LogKeptOffline(id, summary.Fallback);
            }
        }

        return due.Count;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Campaign {CampaignId} keeps its offline summary: {Reason}")]
    private partial void LogKeptOffline(Guid campaignId, string reason);
}
