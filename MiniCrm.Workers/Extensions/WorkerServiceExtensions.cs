// RemoveAllResilienceHandlers is marked experimental; it is the documented way to replace the
// standard handler that ServiceDefaults adds to every client.
#pragma warning disable EXTEXP0001

using MiniCrm.Core.Ai;
using MiniCrm.Core.Consent;
using MiniCrm.Core.Infrastructure;
using MiniCrm.Core.Messaging;
using MiniCrm.Workers.Campaigns;
using MiniCrm.Workers.Customers;
using MiniCrm.Workers.Deliveries;
using MiniCrm.Workers.Journeys;
using MiniCrm.Workers.Messaging;
using MiniCrm.Workers.Orders;
using MiniCrm.Workers.Receipts;
using MiniCrm.ServiceDefaults.Kafka;
using MiniCrm.ServiceDefaults.Operations;

namespace MiniCrm.Workers.Extensions;

internal static class WorkerServiceExtensions
{
    public static void AddWorkerServices(this IHostApplicationBuilder builder)
    {
        builder.AddNpgsqlDataSource(CrmDatabase.ConnectionName);
        // One producer for deliveries and dead letters.
        builder.AddKafkaProducer<string, byte[]>("kafka", settings => settings.Config.DeliveryReportFields ??= "none");
        builder.Services.AddSingleton(TimeProvider.System);

        // Two customer batches at once: inserts of different customers never wait on each other.
        builder.AddBatchConsumer<CustomerSubmitted, CustomerBatchHandler>(KafkaTopics.Customers, ConsumerGroups.Customers, maxBatchesInFlight: 2);
        // One order batch at a time: two could update the same customers' aggregates in opposite orders and deadlock.
        builder.AddBatchConsumer<OrderSubmitted, OrderBatchHandler>(KafkaTopics.Orders, ConsumerGroups.Orders);
        // A receipts message holds one vendor request's receipts (up to a few thousand). Two batches at once
        // update different log rows side by side and meet only at the campaign's counters, taken last.
        builder.AddBatchConsumer<ReceiptsReceived, ReceiptBatchHandler>(KafkaTopics.DeliveryReceipts, ConsumerGroups.Receipts, maxBatchSize: 16, maxBatchesInFlight: 2);
        // Each delivery message holds hundreds of deliveries: a few dozen at a time keep memory flat.
        builder.AddBatchConsumer<DeliveryRequested, DeliveryBatchHandler>(KafkaTopics.CampaignDeliveries, ConsumerGroups.Deliveries, maxBatchSize: 32);

        // The vendor's API key (the AppHost's vendor-api-key) on every request, as a real messaging vendor requires.
        var vendorKey = builder.Configuration["Vendor:ApiKey"] ?? "";
        builder.Services.AddHttpClient<VendorClient>(http =>
            {
                http.BaseAddress = new Uri("http://vendorsim");
                http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", vendorKey);
            })
            .RemoveAllResilienceHandlers()
            .AddResilienceHandler("vendor", VendorClient.ConfigureResilience);

        builder.Services.AddSingleton<VendorCircuit>();
        builder.Services.AddSingleton<ReceiptApplier>();
        builder.Services.AddHostedService<DeliveryReconciler>();
        builder.Services.AddHostedService<CancellationFinisher>();
        builder.Services.AddCrmAssistant();
        builder.Services.AddHostedService<CampaignSummaryWriter>();
        builder.Services.AddHostedService<MiniCrm.Workers.Outcomes.AttributionJob>();
        builder.Services.AddSingleton<JourneyPlans>();
        builder.Services.AddSingleton<JourneyTriggers>();
        builder.Services.AddHostedService<JourneyRunner>();
        // One instance (AddCheck alone makes one per probe), so it remembers which campaigns it has logged.
        builder.Services.AddSingleton<StuckCampaignsHealthCheck>();
        builder.Services.AddHealthChecks().AddCheck<StuckCampaignsHealthCheck>("campaigns", failureStatus: Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Degraded);
        builder.Services.AddWorkerOptions();
        // The dispatcher pauses while the delivery consumers lag; measured beside the steps, not between them.
        builder.Services.AddConsumerLagWatcher(_ => TimeSpan.FromMilliseconds(200), (KafkaTopics.CampaignDeliveries, ConsumerGroups.Deliveries));
        builder.Services.AddSingleton<CampaignPreparer>();
        builder.Services.AddSingleton<CampaignDispatcher>();
        builder.Services.AddSingleton<CampaignOutbox>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<CampaignOutbox>());
        builder.Services.AddSingleton<IDrainProgress>(sp => sp.GetRequiredService<CampaignOutbox>());
    }

    /// <summary>Every option the Workers read, bound to its typed class and validated when the host starts.</summary>
    public static IServiceCollection AddWorkerOptions(this IServiceCollection services)
    {
        services.AddOptions<DispatchOptions>().BindConfiguration(DispatchOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<DeliveryOptions>().BindConfiguration(DeliveryOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ReconcileOptions>().BindConfiguration(ReconcileOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ConsentOptions>().BindConfiguration(ConsentOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SummaryOptions>().BindConfiguration(SummaryOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<JourneyOptions>().BindConfiguration(JourneyOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<MiniCrm.Workers.Outcomes.AttributionOptions>().BindConfiguration(MiniCrm.Workers.Outcomes.AttributionOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        return services;
    }
}
