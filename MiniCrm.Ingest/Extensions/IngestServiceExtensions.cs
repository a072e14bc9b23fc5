// RemoveAllResilienceHandlers is marked experimental; it is the documented way to replace the
// standard handler that ServiceDefaults adds to every client.
#pragma warning disable EXTEXP0001

using MiniCrm.Ingest.Submission;

namespace MiniCrm.Ingest.Extensions;

internal static class IngestServiceExtensions
{
    public static void AddIngestServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<IngestOptions>().BindConfiguration(IngestOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        // Under the AppHost the Api is found by service discovery; from a terminal, at its fixed local URL.
        var underAppHost = builder.Configuration["services:api:http:0"] is not null;
        builder.Services.AddHttpClient<CrmIngestionClient>((sp, http) =>
            {
                http.BaseAddress = new Uri(underAppHost ? "http://api" : sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<IngestOptions>>().Value.ApiBaseAddress);
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
