using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MiniCrm.AppHost.Infrastructure.Kafka;

public static class KafkaBuilderExtensions
{
    private const int BrokerPort = 9092;
    private const int InternalBrokerPort = 9093;

    /// <summary>
    /// The pipeline's Kafka. <c>Infrastructure:ExistingKafka=true</c> points at an existing cluster
    /// (a managed Kafka or Event Hubs' Kafka endpoint) by <c>ConnectionStrings:{name}</c>; otherwise
    /// a KRaft container (Containers mode, always when published) or the in-process emulator (Local mode).
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddCrmKafka(
        this IDistributedApplicationBuilder builder, InfrastructureMode mode, string name, IEnumerable<KafkaTopicAnnotation> topics)
    {
        if (builder.Configuration.GetValue<bool>("Infrastructure:ExistingKafka"))
        {
            // Topics on a managed cluster are provisioned with the cluster; clients also auto-create them.
            return builder.AddConnectionString(name);
        }

        IResourceBuilder<IKafkaResource> kafka = mode == InfrastructureMode.Containers
            ? builder.AddKafkaContainer(name)
            : builder.AddKafkaEmulator(name);

        foreach (var topic in topics)
        {
            kafka.WithAnnotation(topic);
        }

        var healthCheckKey = $"{name}_check";
        builder.Services.TryAddSingleton<KafkaAdminClients>();
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheckKey,
            sp => new KafkaHealthCheck(kafka.Resource, sp.GetRequiredService<KafkaAdminClients>()),
            failureStatus: null,
            tags: null));
        return kafka.WithHealthCheck(healthCheckKey);
    }

    private static IResourceBuilder<IKafkaResource> AddKafkaEmulator(this IDistributedApplicationBuilder builder, string name)
    {
        var brokers = builder.Configuration.GetValue("KafkaEmulator:Brokers", 1);
        var emulator = new KafkaEmulatorResource(name, brokers, builder.Configuration.GetValue("KafkaEmulator:Port", 9092));

        builder.Services.TryAddSingleton<KafkaEmulatorRunner>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<KafkaEmulatorRunner>());
        builder.Eventing.Subscribe<InitializeResourceEvent>(emulator, (e, _) =>
            e.Services.GetRequiredService<KafkaEmulatorRunner>().StartEmulatorAsync(emulator));

        return builder.AddResource(emulator)
            .WithInitialState(new()
            {
                ResourceType = "Kafka (emulator)",
                State = KnownResourceStates.NotStarted,
                Properties = [new("brokers", brokers)],
            })
            .WithIconName("ArrowSwap")
            .WithStopStartCommands<KafkaEmulatorResource, KafkaEmulatorRunner>(
                stop: runner => runner.SetBrokersDownAsync(emulator),
                start: runner => runner.SetBrokersUpAsync(emulator),
                stopDescription: "Takes the brokers down (messages stay in memory): how the services ride out a broker outage.",
                startDescription: "Brings the brokers up again.")
            .ExcludeFromManifest();
    }

    private static IResourceBuilder<IKafkaResource> AddKafkaContainer(this IDistributedApplicationBuilder builder, string name)
    {
        var kafka = new KafkaServerResource(name);
        return builder.AddResource(kafka)
            .WithEndpoint(targetPort: BrokerPort, name: KafkaServerResource.PrimaryEndpointName)
            .WithEndpoint(targetPort: InternalBrokerPort, name: KafkaServerResource.InternalEndpointName)
            .WithImage("confluentinc/confluent-local", "7.9.0")
            .WithImageRegistry("docker.io")
            .WithEnvironment(context => ConfigureContainer(context, kafka))
            .WithVolume($"minicrm-{name}-data", "/var/lib/kafka/data")
            .WithEnvironment("KAFKA_LOG_DIRS", "/var/lib/kafka/data");
    }

    private static void ConfigureContainer(EnvironmentCallbackContext context, KafkaServerResource kafka)
    {
        // confluent-local runs one KRaft node; a second listener serves containers on the Aspire network.
        context.EnvironmentVariables["KAFKA_LISTENERS"] =
            $"PLAINTEXT://localhost:29092,CONTROLLER://localhost:29093,PLAINTEXT_HOST://0.0.0.0:{BrokerPort},PLAINTEXT_INTERNAL://0.0.0.0:{InternalBrokerPort}";
        context.EnvironmentVariables["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"] =
            "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,PLAINTEXT_HOST:PLAINTEXT,PLAINTEXT_INTERNAL:PLAINTEXT";
        context.EnvironmentVariables["KAFKA_ADVERTISED_LISTENERS"] = context.ExecutionContext.IsRunMode
            ? ReferenceExpression.Create(
                $"PLAINTEXT://localhost:29092,PLAINTEXT_HOST://localhost:{kafka.PrimaryEndpoint.Property(EndpointProperty.Port)},PLAINTEXT_INTERNAL://{kafka.Name}:{kafka.InternalEndpoint.Property(EndpointProperty.TargetPort)}")
            : ReferenceExpression.Create(
                $"PLAINTEXT://{kafka.PrimaryEndpoint.Property(EndpointProperty.Host)}:29092,PLAINTEXT_HOST://{kafka.PrimaryEndpoint.Property(EndpointProperty.HostAndPort)},PLAINTEXT_INTERNAL://{kafka.InternalEndpoint.Property(EndpointProperty.HostAndPort)}");
    }
}
