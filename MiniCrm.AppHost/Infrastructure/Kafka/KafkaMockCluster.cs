using System.Reflection;
using System.Runtime.InteropServices;

namespace MiniCrm.AppHost.Infrastructure.Kafka;

/// <summary>
/// librdkafka's mock cluster (rdkafka_mock.h): a Kafka-protocol broker that listens on real
/// loopback ports, so ordinary Kafka clients in other processes connect to it. It keeps data in
/// memory and at most 5 MiB per partition (older batches are dropped), which is why clients
/// compress, apply backpressure and treat an out-of-range offset as an error.
/// </summary>
internal sealed partial class KafkaMockCluster : IDisposable
{
    private const string Library = "librdkafka";
    private const int ProducerType = 0;
    private const int TopicAlreadyExists = 36;
    private const int AllBrokers = -1;

    private nint _client;
    private nint _cluster;

    static KafkaMockCluster() => NativeLibrary.SetDllImportResolver(typeof(KafkaMockCluster).Assembly, ResolveLibrdkafka);

    private KafkaMockCluster(nint client, nint cluster)
    {
        _client = client;
        _cluster = cluster;
        BootstrapServers = Marshal.PtrToStringUTF8(rd_kafka_mock_cluster_bootstraps(cluster))
            ?? throw new InvalidOperationException("The mock cluster reported no bootstrap servers.");
    }

    public string BootstrapServers { get; }

    public static KafkaMockCluster Start(int brokers)
    {
        var error = new byte[512];
        // The cluster needs a client handle for its bookkeeping; an idle producer does. It has no
        // brokers of its own, which librdkafka would otherwise announce as a warning.
        var conf = rd_kafka_conf_new();
        rd_kafka_conf_set(conf, "log_level", "3", error, (nuint)error.Length);
        var client = rd_kafka_new(ProducerType, conf, error, (nuint)error.Length);
        if (client == 0)
        {
            rd_kafka_conf_destroy(conf);
            throw new InvalidOperationException("librdkafka could not create a client: " + System.Text.Encoding.UTF8.GetString(error).TrimEnd('\0'));
        }

        var cluster = rd_kafka_mock_cluster_new(client, brokers);
        if (cluster == 0)
        {
            rd_kafka_destroy(client);
            throw new InvalidOperationException("librdkafka could not create the mock cluster.");
        }

        return new KafkaMockCluster(client, cluster);
    }

    /// <returns>false when the topic existed already.</returns>
    public bool CreateTopic(string name, int partitions)
    {
        var result = rd_kafka_mock_topic_create(_cluster, name, partitions, 1);
        return result switch
        {
            0 => true,
            TopicAlreadyExists => false,
            _ => throw new InvalidOperationException($"Creating topic '{name}' failed with librdkafka error {result}."),
        };
    }

    /// <summary>Every broker drops its connections and refuses new ones; the data stays, as on a stopped broker's disk.</summary>
    public void SetBrokersDown() => Check(rd_kafka_mock_broker_set_down(_cluster, AllBrokers), "taking the brokers down");

    public void SetBrokersUp() => Check(rd_kafka_mock_broker_set_up(_cluster, AllBrokers), "bringing the brokers up");

    private static void Check(int error, string what)
    {
        if (error != 0)
        {
            throw new InvalidOperationException($"The mock cluster failed {what} with librdkafka error {error}.");
        }
    }

    public void Dispose()
    {
        if (_cluster != 0)
        {
            rd_kafka_mock_cluster_destroy(_cluster);
            _cluster = 0;
        }

        if (_client != 0)
        {
            rd_kafka_destroy(_client);
            _client = 0;
        }
    }

    /// <summary>
    /// Loads the librdkafka that ships in the librdkafka.redist package. Its default linux build
    /// needs libsasl2.so.3, which slim images lack; the centos8 build beside it does not (this is
    /// also the fallback Confluent.Kafka itself uses).
    /// </summary>
    private static nint ResolveLibrdkafka(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != Library)
        {
            return 0;
        }

        var rid = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64";
        string[] candidates = OperatingSystem.IsLinux()
            ? [$"runtimes/{rid}/native/librdkafka.so", $"runtimes/{rid}/native/centos8-librdkafka.so", $"runtimes/{rid}/native/alpine-librdkafka.so"]
            : OperatingSystem.IsMacOS()
                ? ["runtimes/osx-arm64/native/librdkafka.dylib", "runtimes/osx-x64/native/librdkafka.dylib"]
                : ["runtimes/win-x64/native/librdkafka.dll"];

        foreach (var candidate in candidates)
        {
            var path = Path.Combine(AppContext.BaseDirectory, candidate);
            if (File.Exists(path) && NativeLibrary.TryLoad(path, out var handle))
            {
                return handle;
            }
        }

        return NativeLibrary.TryLoad(name, assembly, searchPath, out var fallback) ? fallback : 0;
    }

    [LibraryImport(Library)]
    private static partial nint rd_kafka_new(int type, nint conf, [Out] byte[] errstr, nuint errstrSize);

    [LibraryImport(Library)]
    private static partial void rd_kafka_destroy(nint rk);

    [LibraryImport(Library)]
    private static partial nint rd_kafka_conf_new();

    [LibraryImport(Library)]
    private static partial void rd_kafka_conf_destroy(nint conf);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int rd_kafka_conf_set(nint conf, string name, string value, [Out] byte[] errstr, nuint errstrSize);

    [LibraryImport(Library)]
    private static partial nint rd_kafka_mock_cluster_new(nint rk, int brokerCount);

    [LibraryImport(Library)]
    private static partial void rd_kafka_mock_cluster_destroy(nint cluster);

    [LibraryImport(Library)]
    private static partial nint rd_kafka_mock_cluster_bootstraps(nint cluster);

    [LibraryImport(Library)]
    private static partial int rd_kafka_mock_broker_set_down(nint cluster, int brokerId);

    [LibraryImport(Library)]
    private static partial int rd_kafka_mock_broker_set_up(nint cluster, int brokerId);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int rd_kafka_mock_topic_create(nint cluster, string topic, int partitions, int replicationFactor);
}
