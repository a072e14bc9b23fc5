using MiniCrm.Api.Infrastructure;
using Scalar.AspNetCore;

namespace MiniCrm.Api.Extensions;

internal static class ApplicationServiceExtensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddNpgsqlDbContext<CrmDbContext>(
            CrmDatabase.ConnectionName,
            // Transactions are retried whole by their callers; a per-command retry would break them.
            settings => settings.DisableRetry = true,
            options => options.UseCrmConventions());
        // The Api owns the schema: it migrates before it serves, and the AppHost starts the Workers after it.
        builder.Services.AddMigration<CrmDbContext>();

        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi();
    }

    public static void MapApiDocumentation(this WebApplication app)
    {
        app.MapOpenApi();
        app.MapScalarApiReference(options => options.WithTitle("MiniCRM API"));
        app.MapGet("/", () => TypedResults.Redirect("/scalar")).ExcludeFromDescription();
    }
}
