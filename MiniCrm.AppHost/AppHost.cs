using MiniCrm.AppHost;
using MiniCrm.AppHost.Infrastructure;
using MiniCrm.AppHost.Infrastructure.Kafka;
using MiniCrm.AppHost.Infrastructure.Postgres;

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
    .WithEnvironment("AI__ApiKey", secrets.AiApiKey)
    .WithExternalHttpEndpoints();

var vendor = builder.AddProject<Projects.MiniCrm_VendorSim>("vendorsim")
    .WithReference(api).WaitFor(api)
    .WithEnvironment("Receipts__SigningSecret", secrets.VendorSigningSecret);

// The Api applies the migrations before it reports healthy, so waiting for it means the schema is there.
builder.AddProject<Projects.MiniCrm_Workers>("workers")
    .WithReference(crmdb)
    .WithReference(kafka).WaitFor(kafka)
    .WithReference(vendor).WaitFor(vendor)
    .WaitFor(api);

builder.AddProject<Projects.MiniCrm_Ingest>("ingest")
    .WithReference(api).WaitFor(api)
    .WithEnvironment("Ingestion__ApiKey", secrets.IngestApiKey);

builder.Build().Run();
