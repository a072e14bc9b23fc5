using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using MiniCrm.Core.Ai;
using MiniCrm.Core.Campaigns;
using MiniCrm.Core.Outcomes;
using MiniCrm.ServiceDefaults.Operations;
using MiniCrm.Workers.Jobs;
using Npgsql;
using OpenTelemetry;

namespace MiniCrm.Workers.Outcomes;

public sealed class AttributionOptions
{
    public const string SectionName = "Attribution";

    /// <summary>How often the Workers look for customers whose orders changed what a live campaign earned.</summary>
    [Range(50, 60_000)]
    public int IntervalMilliseconds { get; set; } = 500;

    /// <summary>Customers recomputed per transaction.</summary>
    [Range(1, 100_000)]
    public int ChunkSize { get; set; } = 5_000;

    /// <summary>A customer whose delivery is still pending is looked at again after this long.</summary>
    [Range(1, 3_600)]
    public int PendingRecheckSeconds { get; set; } = 5;
}

/// <summary>
/// Keeps what each live campaign earned up to date (<see cref="AttributionSql"/>): takes the queued customers in chunks,
/// each chunk in one transaction (claimed with SKIP LOCKED, recomputed, those with a pending delivery queued again), until
/// nothing is due. A crash mid-chunk rolls the claim back, so the chunk is done again, to the same result.
/// </summary>
public sealed partial class AttributionJob(
    NpgsqlDataSource database, IOptions<AttributionOptions> options, IOptions<AiOptions> ai, DrainSignal drain, ILogger<AttributionJob> logger)
    : PollingJob(drain, logger)
{
    /// <summary>
    /// Finished campaigns whose window (and its late hour) has closed: their results are final from now. Run after the queue
    /// is drained, so every customer queued before is in them. Those that messaged nobody keep the summary their
    /// preparation wrote (why nobody), which says more than a summary of nothing.
    /// </summary>
    private static readonly string Finalise = $"""
        UPDATE campaigns c SET results_final_at = clock_timestamp()
        WHERE c.results_final_at IS NULL AND {AttributionSql.Closed("c")}
        RETURNING c.id, c.audience_size > 0
        """;

    private static readonly ActivitySource Source = MiniCrm.Core.Telemetry.CrmTelemetry.Source;

    protected override TimeSpan Interval => TimeSpan.FromMilliseconds(options.Value.IntervalMilliseconds);

    public override async Task RunOnceAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested && await RunChunkAsync(ct) == options.Value.ChunkSize)
        {
        }

        await FinaliseAsync(ct);
    }

    /// <summary>
    /// Marks the campaigns whose results stopped changing final and writes their summary again, now with what they
    /// earned (the offline one at once, a model's after it when one is configured), in one transaction.
    /// </summary>
    public async Task FinaliseAsync(CancellationToken ct)
    {
        var quiet = SuppressInstrumentationScope.Begin();
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var final = new List<Guid>();
        using (quiet)
        {
            await using var mark = new NpgsqlCommand(Finalise, connection, transaction);
            await using var reader = await mark.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                if (reader.GetBoolean(1))
                {
                    final.Add(reader.GetGuid(0));
                }
            }
        }

        if (final.Count > 0)
        {
            using var activity = Source.StartActivity("finalise campaign results");
            await CampaignFactsSql.ResummariseAsync(connection, transaction, final, ai.Value.UsesModel, ct);
            LogFinal(final.Count);
        }

        // Marked final (campaigns that messaged nobody included, with no summary to write), or nothing: one commit either way.
        await transaction.CommitAsync(ct);
    }

    /// <returns>How many customers the chunk took.</returns>
    private async Task<int> RunChunkAsync(CancellationToken ct)
    {
        // Looking for work is not work: the connection, the transaction and the claim leave no trace.
        var quiet = SuppressInstrumentationScope.Begin();
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var customers = new List<Guid>();
        using (quiet)
        {
            await using var claim = new NpgsqlCommand(AttributionSql.Claim, connection, transaction);
            claim.Parameters.Add(new NpgsqlParameter<int>("limit", options.Value.ChunkSize));
            await using var reader = await claim.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                customers.Add(reader.GetGuid(0));
            }
        }

        if (customers.Count == 0)
        {
            return 0;
        }

        using var activity = Source.StartActivity("attribute orders");
        activity?.SetTag("minicrm.attribution.customers", customers.Count);
        var pending = new List<Guid>();
        await using (var recompute = new NpgsqlCommand(AttributionSql.Recompute, connection, transaction) { CommandTimeout = 0 })
        {
            recompute.Parameters.Add(new NpgsqlParameter<Guid[]>("customers", [.. customers]));
            await using var reader = await recompute.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                pending.Add(reader.GetGuid(0));
            }
        }

        if (pending.Count > 0)
        {
            await using var requeue = new NpgsqlCommand(AttributionSql.Requeue, connection, transaction);
            requeue.Parameters.Add(new NpgsqlParameter<Guid[]>("customers", [.. pending]));
            requeue.Parameters.Add(new NpgsqlParameter<double>("seconds", options.Value.PendingRecheckSeconds));
            await requeue.ExecuteNonQueryAsync(ct);
        }

        await transaction.CommitAsync(ct);
        LogAttributed(customers.Count, pending.Count);
        return customers.Count;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Attribution: the results of {Campaigns} campaigns are final; their summaries say what they earned.")]
    private partial void LogFinal(int campaigns);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Attribution: {Customers} customers recomputed, {Pending} with a delivery still pending queued again.")]
    private partial void LogAttributed(int customers, int pending);
}
