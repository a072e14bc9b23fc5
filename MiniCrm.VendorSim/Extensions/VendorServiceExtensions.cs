// RemoveAllResilienceHandlers is marked experimental; it is the documented way to replace the
// standard handler that ServiceDefaults adds to every client.
#pragma warning disable EXTEXP0001

using System.ComponentModel.DataAnnotations;
using MiniCrm.VendorSim.Deliveries;
using MiniCrm.VendorSim.Receipts;
using MiniCrm.VendorSim.Shop;

namespace MiniCrm.VendorSim.Extensions;

internal static class VendorServiceExtensions
{
    /// <summary>The vendor's behaviour, bound and validated when the host starts.</summary>
    public static IServiceCollection AddVendorOptions(this IServiceCollection services)
    {
        services.AddOptions<VendorOptions>().BindConfiguration(VendorOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        return services;
    }

    public static void AddVendorServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddVendorOptions();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<DeliveryQueue>();
        builder.Services.AddSingleton<ReceiptQueue>();
        builder.Services.AddSingleton<VendorBacklog>();
        builder.Services.AddSingleton<DeliveryLedger>();
        builder.Services.AddSingleton<RecentMessages>();
        builder.Services.AddHostedService<DeliveryLedgerPruner>();
        builder.Services.AddSingleton<MiniCrm.ServiceDefaults.Operations.IDrainProgress>(sp => sp.GetRequiredService<VendorBacklog>());
        builder.Services.AddHostedService<DeliverySimulator>();
        builder.Services.AddHostedService<ReceiptSender>();
        builder.Services.AddHttpClient<CrmReceiptsClient>((sp, http) =>
            {
                http.BaseAddress = new Uri(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<VendorOptions>>().Value.CrmBaseAddress);
                http.Timeout = TimeSpan.FromSeconds(30);
            })
            // A webhook sender retries each batch itself until the CRM takes it (ReceiptSender);
            // 503 + Retry-After is the CRM's flow control, not a fault for a circuit breaker.
            .RemoveAllResilienceHandlers();
        builder.Services.AddOptions<ShopOptions>().BindConfiguration(ShopOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<Shoppers>();
        builder.Services.AddHostedService<ShopperService>();
        builder.Services.AddHttpClient(ShopperService.Client, (sp, http) =>
            {
                http.BaseAddress = new Uri(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<VendorOptions>>().Value.CrmBaseAddress);
                http.DefaultRequestHeaders.Add("X-Api-Key", sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<ShopOptions>>().Value.IngestApiKey);
                http.Timeout = TimeSpan.FromSeconds(30);
            })
            // The shoppers put back what the CRM did not take and send it again a second later.
            .RemoveAllResilienceHandlers();
    }
}

/// <summary>How the simulated vendor behaves; every option is in the README.</summary>
public sealed class VendorOptions
{
    public const string SectionName = "Vendor";

    /// <summary>How many of the last messages taken the vendor keeps to be read back (GET /deliveries/{id}); 0 keeps none.</summary>
    [Range(0, 100_000)]
    public int RecentMessages { get; set; } = 1_000;

    /// <summary>Share of deliveries that fail, 0 to 1.</summary>
    [Range(0.0, 1.0)]
    public double FailureRate { get; set; } = 0.10;

    /// <summary>Share of receipts sent twice, 0 to 1 (to prove the CRM counts each delivery once).</summary>
    [Range(0.0, 1.0)]
    public double DuplicateRate { get; set; }

    /// <summary>Simulated time to deliver one batch.</summary>
    [Range(0, 60_000)]
    public int LatencyMilliseconds { get; set; } = 20;

    /// <summary>Batches delivered at the same time, as a real provider works many in parallel.</summary>
    [Range(1, 256)]
    public int Concurrency { get; set; } = 16;

    /// <summary>Share of delivery requests answered with 500 and not taken, 0 to 1 (a vendor having a bad day).</summary>
    [Range(0.0, 1.0)]
    public double ErrorRate { get; set; }

    /// <summary>Share of deliveries whose receipt is never sent, 0 to 1 (to prove the CRM's reconciler finishes every campaign).</summary>
    [Range(0.0, 1.0)]
    public double ReceiptLossRate { get; set; }

    /// <summary>How long a delivery id is remembered, so a re-sent delivery is not messaged twice.</summary>
    [Range(0.01, 24.0 * 30)]
    public double IdempotencyHours { get; set; } = 24;

    /// <summary>Deliveries waiting to be simulated before new batches are refused with 503.</summary>
    [Range(1, 10_000_000)]
    public int QueueCapacity { get; set; } = 200_000;

    /// <summary>Receipts per webhook call (the CRM takes up to 5,000); a call may carry a little more to keep delivery batches whole.</summary>
    [Range(1, 5_000)]
    public int ReceiptBatchSize { get; set; } = 2_000;

    /// <summary>Delivered batches whose receipts wait to be posted; when the CRM is away and this is full, delivering waits too.</summary>
    [Range(1, 100_000)]
    public int ReceiptQueueCapacity { get; set; } = 400;

    [Range(1, 60_000)]
    public int ReceiptFlushMilliseconds { get; set; } = 200;

    /// <summary>Receipt batches posted to the CRM at the same time.</summary>
    [Range(1, 64)]
    public int ReceiptSenders { get; set; } = 4;

    /// <summary>Where receipts are posted: the CRM's Api (service discovery resolves <c>http://api</c>).</summary>
    [Required, Url]
    public string CrmBaseAddress { get; set; } = "http://api";

    /// <summary>The key senders present as <c>Authorization: Bearer</c> on POST /deliveries (the AppHost's vendor-api-key); empty refuses every delivery.</summary>
    public string ApiKey { get; set; } = "";

    /// <summary>The secret shared with the CRM to sign receipts (the AppHost's vendor-signing-secret).</summary>
    public string SigningSecret { get; set; } = "";
}
