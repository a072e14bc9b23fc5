using MiniCrm.ServiceDefaults.Operations;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MiniCrm.Ingest.Submission;

public sealed record IngestStatus(
    string Kind, bool Finished, string? Error, long CustomersTarget, long OrdersTarget,
    long CustomersAccepted, long CustomersRejected, long OrdersAccepted, long OrdersRejected,
    long Throttled, double ElapsedSeconds, double CustomersPerSecond, double OrdersPerSecond, IReadOnlyList<string> SampleRejections)
{
    public static IngestStatus From(IngestProgress p) => new(
        p.Kind, p.Finished, p.Error, p.CustomersTarget, p.OrdersTarget, p.CustomersAccepted, p.CustomersRejected,
        p.OrdersAccepted, p.OrdersRejected, p.Throttled, Math.Round(p.ElapsedSeconds, 2), Math.Round(p.CustomersPerSecond, 1),
        Math.Round(p.OrdersPerSecond, 1), [.. p.SampleRejections]);
}

/// <summary>Drives Ingest when it runs as the AppHost's resource (the dashboard's commands call these).</summary>
internal static class IngestApi
{
    public static void MapIngestApi(this WebApplication app)
    {
        // They submit with the ingestion key on the caller's behalf, so only the AppHost's dashboard commands
        // (which send the operations key) may call them.
        var control = app.MapGroup("").RequireOperationsKey(app.Configuration["Operations:Key"]);
        control.MapPost("/seed", Seed).WithSummary("Seed N customers and M orders through the CRM API");
        control.MapPost("/stream", Stream).WithSummary("Stream customers and orders at a steady rate until stopped");
        control.MapPost("/stop", Stop).WithSummary("Stop the current run");
        control.MapGet("/status", Status).WithSummary("Progress of the current or last run");
    }

    /// <param name="placedNow">Orders placed now (for stored customers, when no customers are seeded), as shoppers buying after a campaign; otherwise dated over the past year.</param>
    public static Results<Accepted<IngestStatus>, Conflict<string>, BadRequest<string>> Seed(IngestJobs jobs, long customers = 1_000, long orders = 3_000, bool placedNow = false)
    {
        if (customers < 0 || orders < 0 || customers > 10_000_000 || orders > 50_000_000)
        {
            return TypedResults.BadRequest("customers and orders must be between 0 and 10,000,000 / 50,000,000.");
        }

        var progress = new IngestProgress { Kind = "seed", CustomersTarget = customers, OrdersTarget = orders };
        return jobs.TryStart(progress, (runner, p, ct) => runner.SeedAsync(customers, orders, p, ct, placedNow))
            ? TypedResults.Accepted("/status", IngestStatus.From(progress))
            : TypedResults.Conflict("A run is in progress; POST /stop first.");
    }

    public static Results<Accepted<IngestStatus>, Conflict<string>, BadRequest<string>> Stream(IngestJobs jobs, int rate = 20)
    {
        if (rate is < 1 or > 100_000)
        {
            return TypedResults.BadRequest("rate must be between 1 and 100,000 items per second.");
        }

        var progress = new IngestProgress { Kind = "stream" };
        return jobs.TryStart(progress, (runner, p, ct) => runner.StreamAsync(rate, p, ct))
            ? TypedResults.Accepted("/status", IngestStatus.From(progress))
            : TypedResults.Conflict("A run is in progress; POST /stop first.");
    }

    public static async Task<Ok<IngestStatus?>> Stop(IngestJobs jobs)
    {
        await jobs.StopCurrentAsync();
        return TypedResults.Ok<IngestStatus?>(jobs.Current is { } p ? IngestStatus.From(p) : null);
    }

    public static Results<Ok<IngestStatus>, NoContent> Status(IngestJobs jobs) =>
        jobs.Current is { } p ? TypedResults.Ok(IngestStatus.From(p)) : TypedResults.NoContent();
}
