using System.Diagnostics;

namespace MiniCrm.Api.Infrastructure;

/// <summary>
/// Applies pending EF Core migrations before the Api starts listening (hosted services start before
/// the server). EF takes a database lock while migrating, so replicas starting together apply each migration once.
/// </summary>
internal sealed partial class MigrationHostedService<TContext>(IServiceProvider services, ILogger<MigrationHostedService<TContext>> logger)
    : IHostedService where TContext : DbContext
{
    private static readonly ActivitySource ActivitySource = MiniCrm.Core.Telemetry.CrmTelemetry.Source;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        using var activity = ActivitySource.StartActivity($"migrate {typeof(TContext).Name}");
        await using var scope = services.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<TContext>();
        var pending = (await context.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        if (pending.Count == 0)
        {
            LogUpToDate(typeof(TContext).Name);
            return;
        }

        LogApplying(pending.Count, string.Join(", ", pending));
        await context.Database.MigrateAsync(cancellationToken);
        LogApplied(pending.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "The {Context} schema is up to date.")]
    private partial void LogUpToDate(string context);

    [LoggerMessage(Level = LogLevel.Information, Message = "Applying {Count} migration(s): {Migrations}.")]
    private partial void LogApplying(int count, string migrations);

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied {Count} migration(s).")]
    private partial void LogApplied(int count);
}

internal static class MigrationExtensions
{
    public static IServiceCollection AddMigration<TContext>(this IServiceCollection services) where TContext : DbContext =>
        services.AddHostedService<MigrationHostedService<TContext>>();
}
