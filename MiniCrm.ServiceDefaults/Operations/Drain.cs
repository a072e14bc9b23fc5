using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace MiniCrm.ServiceDefaults.Operations;

/// <summary>
/// A service's part in an orderly stop of the whole system. The AppHost calls <c>POST /ops/drain</c>
/// before it stops anything: the service stops taking new work (the Api refuses ingestion with 503,
/// the Workers stop dispatching, Ingest stops submitting, VendorSim refuses deliveries) and goes on
/// with what it already holds; <c>GET /ops/drain</c> says what that still is, so the AppHost stops
/// the service only once nothing accepted would be lost with it.
/// </summary>
public sealed class DrainSignal
{
    private readonly CancellationTokenSource _draining = new();

    public bool IsDraining => _draining.IsCancellationRequested;

    /// <summary>Cancelled when the drain begins.</summary>
    public CancellationToken Draining => _draining.Token;

    public void Begin() => _draining.Cancel();
}

/// <summary>Work a service still holds during a drain, by name (deliveries queued, receipts unsent); zero everywhere when it holds none.</summary>
public interface IDrainProgress
{
    IEnumerable<KeyValuePair<string, long>> Remaining();
}

public sealed record DrainStatus(bool Draining, bool Idle, IReadOnlyDictionary<string, long> Remaining);

public static class DrainEndpoints
{
    public const string Path = "/ops/drain";

    /// <summary>The operations key (the AppHost's ops-key parameter) in this header; nothing else opens these endpoints.</summary>
    public const string KeyHeader = "X-Ops-Key";

    public static IEndpointRouteBuilder MapDrainEndpoints(this IEndpointRouteBuilder app)
    {
        var ops = app.MapGroup(Path).ExcludeFromDescription()
            .RequireOperationsKey(app.ServiceProvider.GetRequiredService<IConfiguration>()["Operations:Key"]);
        ops.MapPost("/", (DrainSignal drain, IEnumerable<IDrainProgress> parts) =>
        {
            drain.Begin();
            return TypedResults.Ok(Status(drain, parts));
        });
        ops.MapGet("/", (DrainSignal drain, IEnumerable<IDrainProgress> parts) => TypedResults.Ok(Status(drain, parts)));

        // Who may call what: the authorization map, read by the tests that check nothing is open that should not be.
        app.MapGet("/ops/endpoints", (EndpointDataSource endpoints) => TypedResults.Ok(EndpointAccess.Describe(endpoints)))
            .ExcludeFromDescription()
            .RequireOperationsKey(app.ServiceProvider.GetRequiredService<IConfiguration>()["Operations:Key"]);
        return app;
    }

    private static DrainStatus Status(DrainSignal drain, IEnumerable<IDrainProgress> parts)
    {
        var remaining = parts.SelectMany(p => p.Remaining()).ToDictionary(r => r.Key, r => r.Value);
        return new DrainStatus(drain.IsDraining, drain.IsDraining && remaining.Values.All(v => v == 0), remaining);
    }
}
