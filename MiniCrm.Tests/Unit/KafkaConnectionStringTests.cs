using Confluent.Kafka;
using MiniCrm.ServiceDefaults.Kafka;

namespace MiniCrm.Tests.Unit;

[Trait("Category", "Unit")]
public sealed class KafkaConnectionStringTests
{
    [Fact]
    public void A_host_list_is_the_bootstrap_servers()
    {
        var config = new ClientConfig();
        KafkaConnectionString.ApplyTo("127.0.0.1:9092,127.0.0.1:9093", config);
        Assert.Equal("127.0.0.1:9092,127.0.0.1:9093", config.BootstrapServers);
    }

    [Fact]
    public void Key_value_pairs_set_typed_and_librdkafka_settings()
    {
        var config = new ClientConfig();
        KafkaConnectionString.ApplyTo(
            "BootstrapServers=ns.servicebus.windows.net:9093;SecurityProtocol=SaslSsl;SaslMechanism=Plain;" +
            "SaslUsername=$ConnectionString;SaslPassword=\"Endpoint=sb://ns/;SharedAccessKey=abc=\";socket.timeout.ms=7000",
            config);

        Assert.Equal("ns.servicebus.windows.net:9093", config.BootstrapServers);
        Assert.Equal(SecurityProtocol.SaslSsl, config.SecurityProtocol);
        Assert.Equal(SaslMechanism.Plain, config.SaslMechanism);
        Assert.Equal("$ConnectionString", config.SaslUsername);
        Assert.Equal("Endpoint=sb://ns/;SharedAccessKey=abc=", config.SaslPassword);
        Assert.Equal(7000, config.SocketTimeoutMs);
    }

    [Fact]
    public void An_unknown_setting_is_named_in_the_error()
    {
        var error = Assert.Throws<FormatException>(() => KafkaConnectionString.ApplyTo("BootstrapServers=x:1;Flavour=mint", new ClientConfig()));
        Assert.Contains("flavour", error.Message, StringComparison.OrdinalIgnoreCase);
    }
}
