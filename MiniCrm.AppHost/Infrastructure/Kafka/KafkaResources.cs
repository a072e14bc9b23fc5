namespace MiniCrm.AppHost.Infrastructure.Kafka;

/// <summary>A Kafka broker the services reach by the connection string <c>host:port[,host:port]</c>.</summary>
public interface IKafkaResource : IResourceWithConnectionString, IResourceWithWaitSupport;

/// <summary>A topic the AppHost creates in the broker before the services start.</summary>
public sealed record KafkaTopicAnnotation(string Name, int Partitions) : IResourceAnnotation;

/// <summary>
/// A single-node KRaft Kafka container: the equivalent of Aspire.Hosting.Kafka's resource
/// (same image, endpoints and connection string), which is not available as a package here.
/// </summary>
public sealed class KafkaServerResource(string name) : ContainerResource(name), IKafkaResource, IResourceWithEnvironment
{
    internal const string PrimaryEndpointName = "tcp";
    internal const string InternalEndpointName = "internal";

    private EndpointReference? _primaryEndpoint;
    private EndpointReference? _internalEndpoint;

    /// <summary>For processes on the host.</summary>
    public EndpointReference PrimaryEndpoint => _primaryEndpoint ??= new(this, PrimaryEndpointName);

    /// <summary>For containers on the Aspire network.</summary>
    public EndpointReference InternalEndpoint => _internalEndpoint ??= new(this, InternalEndpointName);

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{PrimaryEndpoint.Property(EndpointProperty.HostAndPort)}");
}

/// <summary>
/// Kafka for machines without a container runtime: librdkafka's mock cluster hosted inside the
/// AppHost process (see <see cref="KafkaEmulatorRunner"/>). Its port is known once it has
/// started, so the connection string resolves then.
/// </summary>
public sealed class KafkaEmulatorResource(string name, int brokers, int toolPort) : Resource(name), IKafkaResource
{
    public int Brokers { get; } = brokers;

    /// <summary>The fixed bootstrap port for tools (kcat, Kafka UIs); 0 turns it off.</summary>
    public int ToolPort { get; } = toolPort;

    internal KafkaBootstrapServers BootstrapServers { get; } = new(name);

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create($"{BootstrapServers}");
}

/// <summary>The emulator's bootstrap list: a value that waits until the cluster listens.</summary>
internal sealed class KafkaBootstrapServers(string resourceName) : IValueProvider, IManifestExpressionProvider
{
    private readonly TaskCompletionSource<string> _value = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string ValueExpression => $"{{{resourceName}.connectionString}}";

    public void Set(string bootstrapServers) => _value.TrySetResult(bootstrapServers);

    public async ValueTask<string?> GetValueAsync(CancellationToken cancellationToken = default) =>
        await _value.Task.WaitAsync(cancellationToken);
}
