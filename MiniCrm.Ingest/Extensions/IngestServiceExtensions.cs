// RemoveAllResilienceHandlers is marked experimental; it is the documented way to replace the
// standard handler that ServiceDefaults adds to every client.
#pragma warning disable EXTEXP0001

using MiniCrm.Ingest.Submission;

namespace MiniCrm.Ingest.Extensions;

internal static class IngestServiceExtensions
{
    public static void AddIngestServices(this IHostApplicationBuilder builder)
    {
        // Under the AppHost the Api is found by service discovery; from a terminal, at its fixed local URL.
        var apiAddress = builder.Configuration["services:api:http:0"] is not null
            ? "http://api"
            : builder.Configuration["Ingest:ApiBaseAddress"] ?? "http://localhost:5080";
        builder.Services.AddHttpClient<CrmIngestionClient>(http =>
            {
                http.BaseAddress = new Uri(apiAddress);
                http.Timeout = TimeSpan.FromMinutes(2);
            })
            // 503 + Retry-After is the Api's flow control, waited out by the client itself; the
            // standard handler would count it as failure and open its circuit breaker.
            .RemoveAllResilienceHandlers();
        builder.Services.AddScoped<IngestRunner>();
        builder.Services.AddSingleton<IngestJobs>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<IngestJobs>());
        builder.Services.AddSingleton<MiniCrm.ServiceDefaults.Operations.IDrainProgress>(sp => sp.GetRequiredService<IngestJobs>());
    }
}
