using MiniCrm.AppHost;
using MiniCrm.AppHost.Infrastructure;
using MiniCrm.AppHost.Infrastructure.Kafka;
using MiniCrm.AppHost.Infrastructure.Postgres;
using MiniCrm.AppHost.Infrastructure.Shutdown;
using MiniCrm.ServiceDefaults.Kafka;

var builder = DistributedApplication.CreateBuilder(args);
var mode = InfrastructureModeResolver.Resolve(builder);

var crmdb = builder.AddCrmDatabase(mode, serverName: "postgres", databaseName: "crmdb");
var kafka = builder.AddCrmKafka(mode, "kafka", PipelineTopics.Declare(builder.Configuration));

var secrets = CrmParameters.Add(builder);

var api = builder.AddProject<Projects.MiniCrm_Api>("api")
    .WithReference(crmdb).WaitFor(crmdb)
    .WithReference(kafka).WaitFor(kafka)
    .WithEnvironment("Ingestion__ApiKey", secrets.IngestApiKey)
    .WithEnvironment("Receipts__SigningSecret", secrets.VendorSigningSecret)
    .WithEnvironment("Authentication__Google__ClientId", secrets.GoogleClientId)
    .WithEnvironment("Authentication__Google__ClientSecret", secrets.GoogleClientSecret)
    .WithAi(secrets)
    .WithHttpHealthCheck("/health")
    .WithExternalHttpEndpoints();
api.WithConsent(secrets, api, builder.Configuration);

var vendor = builder.AddProject<Projects.MiniCrm_VendorSim>("vendorsim")
    .WithReference(api).WaitFor(api)
    .WithEnvironment("Vendor__SigningSecret", secrets.VendorSigningSecret)
    .WithEnvironment("Vendor__ApiKey", secrets.VendorApiKey)
    .WithEnvironment("Vendor__FailureRate", builder.Configuration["Vendor:FailureRate"] ?? "0.1")
    // The simulated shoppers buy through the ingestion API, as a shop does (README: simulated shoppers).
    .WithEnvironment("Shop__IngestApiKey", secrets.IngestApiKey)
    .WithEnvironment("Shop__BuyRate", builder.Configuration["Shop:BuyRate"] ?? "0.2")
    .WithHttpHealthCheck("/health");

// Test sends: the Api hands one message straight to the vendor (no WaitFor: the vendor waits for the Api).
api.WithReference(vendor).WithEnvironment("Vendor__ApiKey", secrets.VendorApiKey);

// The Api applies the migrations before it listens, so waiting for its /health means the schema is there.
var workers = builder.AddProject<Projects.MiniCrm_Workers>("workers")
    .WithReference(crmdb)
    .WithReference(kafka).WaitFor(kafka)
    .WithReference(vendor).WaitFor(vendor)
    .WithEnvironment("Vendor__ApiKey", secrets.VendorApiKey)
    // The Workers ask the same model for campaign summaries, and sign the unsubscribe links.
    .WithAi(secrets)
    .WithConsent(secrets, api, builder.Configuration)
    .WaitFor(api)
    .WithHttpHealthCheck("/health");

var ingest = builder.AddProject<Projects.MiniCrm_Ingest>("ingest")
    .WithReference(api).WaitFor(api)
    .WithEnvironment("Ingestion__ApiKey", secrets.IngestApiKey)
    .WithHttpHealthCheck("/health")
    // Ingest's control endpoints take the operations key: the dashboard's commands send it, nobody else has it.
    .WithHttpCommand("/seed?customers=2000&orders=6000", "Seed 2,000 customers", commandName: "seed-small", commandOptions: WithOpsKey(secrets.OpsKey))
    .WithHttpCommand("/seed?customers=200000&orders=600000", "Seed 200,000 customers", commandName: "seed-large", commandOptions: WithOpsKey(secrets.OpsKey))
    .WithHttpCommand("/stream?rate=20", "Stream 20 items/s", commandName: "stream", commandOptions: WithOpsKey(secrets.OpsKey))
    .WithHttpCommand("/stop", "Stop ingesting", commandName: "stop", commandOptions: WithOpsKey(secrets.OpsKey));

// Ctrl+C stops intake, lets the Workers consume every topic to its end and the vendor report what it
// took, and only then stops the services, Kafka and PostgreSQL.
builder.AddOrderlyShutdown(secrets.OpsKey, kafka,
    new DrainStage("no new ingestion, campaigns or dispatch; the Workers consume customers, orders and deliveries",
        [ingest.Resource, api.Resource, workers.Resource],
        [(KafkaTopics.Customers, ConsumerGroups.Customers), (KafkaTopics.Orders, ConsumerGroups.Orders), (KafkaTopics.CampaignDeliveries, ConsumerGroups.Deliveries)]),
    new DrainStage("the vendor takes no new deliveries and reports the ones it has; the Workers apply the receipts",
        [vendor.Resource],
        [(KafkaTopics.DeliveryReceipts, ConsumerGroups.Receipts)]));

// Disposed even when Ctrl+C interrupts the start ("Hosting failed to start" throws out of Run): the
// local PostgreSQL server is stopped by its runner's disposal then, as it is by an orderly stop.
await using var app = builder.Build();
await app.RunAsync();

static HttpCommandOptions WithOpsKey(IResourceBuilder<ParameterResource> opsKey) => new()
{
    PrepareRequest = async context =>
        context.Request.Headers.Add(MiniCrm.ServiceDefaults.Operations.DrainEndpoints.KeyHeader, await opsKey.Resource.GetValueAsync(context.CancellationToken)),
};
