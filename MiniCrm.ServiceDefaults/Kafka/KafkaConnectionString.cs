using System.Data.Common;
using System.Globalization;
using System.Reflection;
using Confluent.Kafka;

namespace MiniCrm.ServiceDefaults.Kafka;

/// <summary>
/// Applies the connection string Aspire injects (<c>ConnectionStrings:{name}</c>) to a client config.
/// A plain <c>host:port</c> list is the bootstrap servers; <c>Key=Value;...</c> sets client settings by
/// their Confluent.Kafka property name (<c>BootstrapServers</c>, <c>SecurityProtocol</c>, <c>SaslPassword</c>…)
/// or librdkafka name (<c>bootstrap.servers</c>), as a managed Kafka or Event Hubs needs.
/// </summary>
public static class KafkaConnectionString
{
    public static void ApplyTo(string connectionString, ClientConfig config)
    {
        if (!connectionString.Contains('='))
        {
            config.BootstrapServers = connectionString.Trim();
            return;
        }

        var pairs = new DbConnectionStringBuilder { ConnectionString = connectionString };
        foreach (string key in pairs.Keys)
        {
            var value = Convert.ToString(pairs[key], CultureInfo.InvariantCulture) ?? "";
            if (key.Contains('.'))
            {
                config.Set(key, value);
                continue;
            }

            var property = typeof(ClientConfig).GetProperty(key, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase)
                ?? throw new FormatException($"The Kafka connection string has an unknown setting '{key}'.");
            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            object converted = type.IsEnum
                ? Enum.Parse(type, value, ignoreCase: true)
                : Convert.ChangeType(value, type, CultureInfo.InvariantCulture);
            property.SetValue(config, converted);
        }
    }
}
