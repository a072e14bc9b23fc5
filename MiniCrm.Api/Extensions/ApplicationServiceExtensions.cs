using MiniCrm.Core.Ai;
using MiniCrm.ServiceDefaults.Kafka;
using MiniCrm.Api.Apis;
using MiniCrm.Api.Auth;
using MiniCrm.Api.Http;
using Scalar.AspNetCore;

namespace MiniCrm.Api.Extensions;

internal static class ApplicationServiceExtensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        // Plain connections for what streams (imports, the rejected-rows download); the DbContext's health check covers the database.
        builder.AddNpgsqlDataSource(CrmDatabase.ConnectionName, settings => settings.DisableHealthChecks = true);
        builder.AddNpgsqlDbContext<CrmDbContext>(
            CrmDatabase.ConnectionName,
            // Transactions are retried whole by their callers; a per-command retry would break them.
            settings => settings.DisableRetry = true,
            options => options.UseCrmConventions());
        // The Api owns the schema: it migrates before it serves, and the AppHost starts the Workers after it.
        builder.Services.AddMigration<CrmDbContext>();

        builder.AddKafkaProducer<string, byte[]>("kafka", settings =>
        {
            settings.Config.MessageTimeoutMs ??= 15_000;
            // Acknowledgements need only the partition and offset, not the message copied back.
            settings.Config.DeliveryReportFields ??= "none";
        });

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddExceptionHandler<MiniCrm.Api.Http.IdempotencyTakenOverHandler>();
        builder.Services.AddSingleton<PipelinePublisher>();
        builder.AddCrmAuthentication();
        builder.Services.AddAbuseLimits();
        builder.Services.AddApiOptions();
        builder.Services.AddConsumerLagWatcher(
            sp => TimeSpan.FromMilliseconds(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<IngestionOptions>>().Value.LagPollMilliseconds),
            ConsumerLagMonitor.Watched);
        builder.Services.AddSingleton<ConsumerLagMonitor>();
        builder.Services.AddSingleton<ReceiptSignature>();
        builder.Services.AddCrmAssistant();
        builder.Services.AddScoped<CustomerIntake>();
        builder.Services.AddScoped<OrderIntake>();
        builder.Services.AddScoped<SegmentQueries>();
        builder.Services.AddScoped<CampaignControl>();
        builder.Services.AddScoped<CampaignLauncher>();
        builder.Services.AddSingleton<IdempotencyKeys>();
        builder.Services.AddScoped<CampaignDrafts>();
        // The application layer: what endpoints and pages both call (typed query or command in, Result out).
        builder.Services.AddScoped<MiniCrm.Api.Application.Customers.CustomerQueries>();
        builder.Services.AddScoped<MiniCrm.Api.Application.Orders.OrderQueries>();
        builder.Services.AddScoped<MiniCrm.Api.Application.Segments.SegmentCatalog>();
        builder.Services.AddScoped<MiniCrm.Api.Application.Journeys.JourneyService>();
        builder.Services.AddScoped<MiniCrm.Api.Application.Campaigns.CampaignQueries>();
        builder.Services.AddScoped<MiniCrm.Api.Application.Campaigns.CampaignOutcomes>();
        builder.Services.AddScoped<MiniCrm.Api.Application.Campaigns.CampaignOverview>();
        builder.Services.AddScoped<MiniCrm.Api.Application.Campaigns.CampaignActions>();
        builder.Services.AddScoped<MiniCrm.Api.Application.Campaigns.TestSends>();
        builder.Services.AddScoped<MiniCrm.Api.Application.Imports.ImportQueries>();
        builder.Services.AddScoped<MiniCrm.Api.Application.Consent.ConsentChanges>();
        builder.Services.AddScoped<MiniCrm.Api.Application.Ai.AiDrafts>();
        builder.Services.AddScoped<Access>();
        builder.Services.AddScoped<TeamMembers>();
        builder.Services.AddScoped<MiniCrm.Api.Application.Audit.AuditTrail>();
        builder.Services.AddSingleton<CityNames>();
        builder.Services.AddSingleton<MiniCrm.Api.Imports.ImportFile>();
        builder.Services.AddSingleton<MiniCrm.Api.Imports.ImportProcessor>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<MiniCrm.Api.Imports.ImportProcessor>());
        builder.Services.AddSingleton<MiniCrm.ServiceDefaults.Operations.IDrainProgress>(sp => sp.GetRequiredService<MiniCrm.Api.Imports.ImportProcessor>());
        // Test sends go straight to the messaging vendor (service discovery finds it), with the key the Workers use.
        var vendorKey = builder.Configuration["Vendor:ApiKey"] ?? "";
        builder.Services.AddHttpClient<TestSender>(http =>
        {
            http.BaseAddress = new Uri(builder.Configuration["Vendor:BaseAddress"] ?? "http://vendorsim");
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", vendorKey);
        });

        builder.Services.ConfigureHttpJsonOptions(options => ApiJson.Configure(options.SerializerOptions));
        builder.Services.AddOpenApi(options =>
        {
            options.AddSecuritySchemes();
            options.DescribeText();
        });
    }

    /// <summary>Every option the Api reads, bound to its typed class and validated when the host starts.</summary>
    public static IServiceCollection AddApiOptions(this IServiceCollection services)
    {
        services.AddOptions<IngestionOptions>().BindConfiguration(IngestionOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ReceiptsOptions>().BindConfiguration(ReceiptsOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<MiniCrm.Api.Imports.ImportOptions>().BindConfiguration(MiniCrm.Api.Imports.ImportOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<MiniCrm.Core.Consent.ConsentOptions>().BindConfiguration(MiniCrm.Core.Consent.ConsentOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        return services;
    }

    public static void MapCrmApis(this WebApplication app)
    {
        app.MapIngestionApi();
        app.MapCustomersApi();
        app.MapOrdersApi();
        app.MapSegmentsApi();
        app.MapCampaignsApi();
        app.MapCampaignDraftsApi();
        app.MapJourneysApi();
        app.MapReceiptsApi();
        app.MapAiApi();
        app.MapConsentApi();
        app.MapImportsApi();
        app.MapTeamApi();
    }

    public static void MapApiDocumentation(this WebApplication app)
    {
        // Open to read in Development; elsewhere the document and the reference are for signed-in marketers.
        var open = app.Environment.IsDevelopment();
        Restrict(app.MapOpenApi(), open);
        Restrict(app.MapScalarApiReference(options => options.WithTitle("MiniCRM API")), open);

        static void Restrict(IEndpointConventionBuilder endpoint, bool open)
        {
            if (open)
            {
                endpoint.AllowAnonymous();
            }
            else
            {
                endpoint.RequireAuthorization(MiniCrm.Api.Auth.CrmAuthentication.MarketerPolicy);
            }
        }
    }
}
