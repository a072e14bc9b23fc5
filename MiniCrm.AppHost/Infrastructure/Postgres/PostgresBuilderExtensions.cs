using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace MiniCrm.AppHost.Infrastructure.Postgres;

public static class PostgresBuilderExtensions
{
    /// <summary>
    /// The CRM's PostgreSQL database. Where it comes from depends on the mode; the connection
    /// string the services receive under <paramref name="databaseName"/> has the same shape in every mode.
    /// <list type="bullet">
    /// <item><c>Infrastructure:ExistingPostgres=true</c>: an existing server, by connection string <c>ConnectionStrings:{databaseName}</c> (a parameter when published).</item>
    /// <item>Containers: Aspire's PostgreSQL container with a data volume.</item>
    /// <item>Local: the installed server binaries, run by the AppHost (<see cref="LocalPostgresRunner"/>).</item>
    /// </list>
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddCrmDatabase(
        this IDistributedApplicationBuilder builder, InfrastructureMode mode, string serverName, string databaseName)
    {
        if (builder.Configuration.GetValue<bool>("Infrastructure:ExistingPostgres"))
        {
            return builder.AddConnectionString(databaseName);
        }

        var password = builder.AddParameter(
            $"{serverName}-password",
            new GenerateParameterDefault { MinLength = 24, Special = false },
            secret: true,
            persist: true);

        if (mode == InfrastructureMode.Containers)
        {
            return builder.AddPostgres(serverName, password: password)
                .WithDataVolume()
                .AddDatabase(databaseName);
        }

        var options = builder.Configuration.GetSection(LocalPostgresOptions.SectionName).Get<LocalPostgresOptions>() ?? new();
        var server = new LocalPostgresServerResource(serverName, options, password.Resource);
        var database = new LocalPostgresDatabaseResource(databaseName, databaseName, server);
        server.Databases.Add(database);

        builder.Services.TryAddSingleton<LocalPostgresRunner>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LocalPostgresRunner>());

        var repositoryRoot = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, ".."));
        builder.Eventing.Subscribe<InitializeResourceEvent>(server, (e, _) =>
        {
            e.Services.GetRequiredService<LocalPostgresRunner>().Start(server, repositoryRoot);
            return Task.CompletedTask;
        });

        var serverHealth = $"{serverName}_check";
        var databaseHealth = $"{databaseName}_check";
        builder.Services.AddHealthChecks()
            .Add(new HealthCheckRegistration(serverHealth, _ => new PostgresHealthCheck(server), null, null))
            .Add(new HealthCheckRegistration(databaseHealth, _ => new PostgresHealthCheck(database), null, null));

        builder.AddResource(server)
            .WithInitialState(new()
            {
                ResourceType = "PostgreSQL (local)",
                State = KnownResourceStates.NotStarted,
                Properties = [new("port", options.Port)],
            })
            .WithIconName("Database")
            .WithHealthCheck(serverHealth)
            .WithStopStartCommands<LocalPostgresServerResource, LocalPostgresRunner>(
                stop: runner => runner.StopOnRequestAsync(),
                start: runner => runner.StartOnRequestAsync(),
                stopDescription: "Stops the database server (its data stays): how the services ride out a database outage.",
                startDescription: "Starts the database server again on its data folder.")
            .ExcludeFromManifest();

        return builder.AddResource(database)
            .WithInitialState(new()
            {
                ResourceType = "PostgreSQL database (local)",
                State = KnownResourceStates.NotStarted,
                Properties = [],
            })
            .WithParentRelationship(server)
            .WithHealthCheck(databaseHealth)
            .ExcludeFromManifest();
    }
}

/// <summary>Healthy when the resource's own connection string opens a connection and runs a query.</summary>
internal sealed class PostgresHealthCheck(IResourceWithConnectionString resource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var connectionString = await resource.ConnectionStringExpression.GetValueAsync(cancellationToken);
            await using var connection = new Npgsql.NpgsqlConnection(connectionString + ";Pooling=false;Timeout=5");
            await connection.OpenAsync(cancellationToken);
            await using var command = new Npgsql.NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            return HealthCheckResult.Unhealthy(ex.Message, ex);
        }
    }
}
