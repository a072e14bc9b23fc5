using MiniCrm.Ingest.Extensions;
using MiniCrm.Ingest.Submission;

var command = IngestCommandLine.IsCommand(args);
var builder = WebApplication.CreateBuilder(command ? args.Where(a => a.StartsWith("--") && a.Contains('=')).ToArray() : args);

builder.AddServiceDefaults();
builder.AddIngestServices();
if (command)
{
    // A terminal shows the progress bar, not request logs.
    builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Default"] = "Warning",
        ["Logging:LogLevel:Polly"] = "Error",
        ["Logging:LogLevel:System.Net.Http.HttpClient"] = "Warning",
    });
}

var app = builder.Build();

if (command)
{
    return await IngestCommandLine.RunAsync(args, app.Services);
}

app.MapDefaultEndpoints();
app.MapIngestApi();
await app.RunAsync();
return 0;
