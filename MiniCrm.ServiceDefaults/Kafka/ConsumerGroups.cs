namespace MiniCrm.ServiceDefaults.Kafka;

/// <summary>Consumer group names, shared by the Workers (who consume) and the Api (which watches their lag).</summary>
public static class ConsumerGroups
{
    public const string Customers = "minicrm-customers";
    public const string Orders = "minicrm-orders";
    public const string Deliveries = "minicrm-deliveries";
    public const string Receipts = "minicrm-receipts";
}
