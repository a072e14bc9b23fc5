namespace MiniCrm.ServiceDefaults.Kafka;

/// <summary>
/// The one place that knows the pipeline's topic names (the seed's names). It lives beside the Kafka integration,
/// which the AppHost and every service reference, so the topics the AppHost declares and the ones the services use
/// cannot drift apart.
/// </summary>
public static class KafkaTopics
{
    public const string Customers = "customer-topic";
    public const string Orders = "order-topic";
    public const string CampaignDeliveries = "campaign-deliveries";
    public const string DeliveryReceipts = "deliveries-receipt";

    /// <summary>Where messages that cannot be handled go, with the reason in a header.</summary>
    public const string DeadLetterSuffix = ".dlq";

    public static string DeadLetterOf(string topic) => topic + DeadLetterSuffix;

    public static IReadOnlyList<string> All { get; } = [Customers, Orders, CampaignDeliveries, DeliveryReceipts];
}
