using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using MiniCrm.ServiceDefaults.Kafka;
using MiniCrm.ServiceDefaults.Operations;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What every MiniCRM service shares: OpenTelemetry to the dashboard, health endpoints, service
/// discovery and resilient HTTP clients. Each service calls <see cref="AddServiceDefaults{TBuilder}"/> first.
/// </summary>
public static class Extensions
{
    private const string HealthEndpointPath = "/health";
    private const string AlivenessEndpointPath = "/alive";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        // Errors are RFC 7807 problem details in every environment: never a stack trace, never the
        // request's headers (Development's exception page would echo an API key back).
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            context.ProblemDetails.Extensions.Remove("exception");
            if (context.ProblemDetails.Status >= 500)
            {
                context.ProblemDetails.Detail = "The server could not complete the request. It has been logged; try again, and report the trace id if it persists.";
            }

            context.ProblemDetails.Extensions["traceId"] = System.Diagnostics.Activity.Current?.TraceId.ToString() ?? context.HttpContext.TraceIdentifier;
        });
        builder.Services.AddSingleton<DrainSignal>();
        builder.Services.AddExceptionHandler<BadRequestHandler>();
        builder.Services.AddExceptionHandler<UnavailableDependencyHandler>();
        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });
        return builder;
    }

    /// <summary>Semantic Kernel's sources and meters (chat completions with model and token usage), in the services that use it.</summary>
    private const string SemanticKernelTelemetry = "Microsoft.SemanticKernel*";

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(KafkaTelemetry.MeterName, "Npgsql", "MiniCrm", SemanticKernelTelemetry))
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName, KafkaTelemetry.ActivitySourceName, "Npgsql", "MiniCrm", SemanticKernelTelemetry)
                .AddAspNetCoreInstrumentation(aspnet =>
                    // Health probes every few seconds would bury the traces people look for.
                    aspnet.Filter = context =>
                        !context.Request.Path.StartsWithSegments(HealthEndpointPath) &&
                        !context.Request.Path.StartsWithSegments(DrainEndpoints.Path) &&
                        !context.Request.Path.StartsWithSegments(AlivenessEndpointPath))
                .AddHttpClientInstrumentation());

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), ["live"]);
        return builder;
    }

    /// <summary>
    /// The exception handler and status-code pages first (call this right after Build), so every
    /// error below them is a problem detail.
    /// <c>/health</c>: ready for traffic (every check passes). <c>/alive</c>: the process is alive (only
    /// checks tagged "live"). Mapped in every environment: Container Apps probes them too; they reveal only a status word.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapDrainEndpoints();
        app.MapHealthChecks(HealthEndpointPath).AllowAnonymous();
        app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions { Predicate = r => r.Tags.Contains("live") }).AllowAnonymous();
        return app;
    }
}
