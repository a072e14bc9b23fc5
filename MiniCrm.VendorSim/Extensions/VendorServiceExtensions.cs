// RemoveAllResilienceHandlers is marked experimental; it is the documented way to replace the
// standard handler that ServiceDefaults adds to every client.
#pragma warning disable EXTEXP0001

using MiniCrm.VendorSim.Deliveries;
using MiniCrm.VendorSim.Receipts;

namespace MiniCrm.VendorSim.Extensions;

internal static class VendorServiceExtensions
{
    public static void AddVendorServices(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<VendorOptions>(builder.Configuration.GetSection(VendorOptions.SectionName));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<DeliveryQueue>();
        builder.Services.AddSingleton<ReceiptQueue>();
        builder.Services.AddSingleton<VendorBacklog>();
        builder.Services.AddSingleton<DeliveryLedger>();
        builder.Services.AddHostedService<DeliveryLedgerPruner>();
        builder.Services.AddSingleton<MiniCrm.ServiceDefaults.Operations.IDrainProgress>(sp => sp.GetRequiredService<VendorBacklog>());
        builder.Services.AddHostedService<DeliverySimulator>();
        builder.Services.AddHostedService<ReceiptSender>();
        builder.Services.AddHttpClient<CrmReceiptsClient>(http =>
            {
                http.BaseAddress = new Uri(builder.Configuration["Vendor:CrmBaseAddress"] ?? "http://api");
                http.Timeout = TimeSpan.FromSeconds(30);
            })
            // A webhook sender retries each batch itself until the CRM takes it (ReceiptSender);
            // 503 + Retry-After is the CRM's flow control, not a fault for a circuit breaker.
            .RemoveAllResilienceHandlers();
    }
}

/// <summary>How the simulated vendor behaves; every option is in the README.</summary>
public sealed class VendorOptions
{
    public const string SectionName = "Vendor";

    /// <summary>Share of deliveries that fail, 0 to 1.</summary>
    public double FailureRate { get; set; } = 0.10;

    /// <summary>Share of receipts sent twice, 0 to 1 (to prove the CRM counts each delivery once).</summary>
    public double DuplicateRate { get; set; }

    /// <summary>Simulated time to deliver one batch.</summary>
    public int LatencyMilliseconds { get; set; } = 20;

    /// <summary>Batches delivered at the same time, as a real provider works many in parallel.</summary>
    public int Concurrency { get; set; } = 16;

    /// <summary>Share of delivery requests answered with 500 and not taken, 0 to 1 (a vendor having a bad day).</summary>
    public double ErrorRate { get; set; }

    /// <summary>Share of deliveries whose receipt is never sent, 0 to 1 (to prove the CRM's reconciler finishes every campaign).</summary>
    public double ReceiptLossRate { get; set; }

    /// <summary>How long a delivery id is remembered, so a re-sent delivery is not messaged twice.</summary>
    public double IdempotencyHours { get; set; } = 24;

    /// <summary>Deliveries waiting to be simulated before new batches are refused with 503.</summary>
    public int QueueCapacity { get; set; } = 200_000;

    /// <summary>Receipts per webhook call (the CRM takes up to 5,000); a call may carry a little more to keep delivery batches whole.</summary>
    public int ReceiptBatchSize { get; set; } = 2_000;

    public int ReceiptFlushMilliseconds { get; set; } = 200;

    /// <summary>Receipt batches posted to the CRM at the same time.</summary>
    public int ReceiptSenders { get; set; } = 4;

    /// <summary>The secret shared with the CRM to sign receipts (the AppHost's vendor-signing-secret).</summary>
    public string SigningSecret { get; set; } = "";
}
