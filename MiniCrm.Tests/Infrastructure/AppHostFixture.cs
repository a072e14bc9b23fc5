using System.Net.Http.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using MiniCrm.ServiceDefaults.Kafka;

namespace MiniCrm.Tests.Infrastructure;

/// <summary>
/// The whole AppHost, started once for every integration test (starting it takes tens of seconds
/// on two cores). It runs on its own PostgreSQL port and a throw-away data folder, so it neither
/// sees nor disturbs a developer's F5 system. Settings differ from F5 where a test needs them to:
/// VendorSim resends every receipt (and loses 2% of them), the ingestion lag limit is low so backpressure really engages,
/// and the AI provider is a local fake OpenAI-compatible server (<see cref="FakeOpenAi"/>) with a short timeout.
/// </summary>
public sealed class AppHostFixture : IAsyncLifetime
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(5);

    private readonly string _dataRoot;
    private readonly bool _keepData;
    private readonly Action<IDistributedApplicationTestingBuilder>? _configure;

    /// <summary>The shared system of the AppHost collection, on a throw-away data folder.</summary>
    public AppHostFixture()
        : this(Path.Combine(Path.GetTempPath(), "minicrm-tests-" + Guid.NewGuid().ToString("N")[..8]), keepData: false, configure: null)
    {
    }

    /// <summary>
    /// A system of a test's own on <paramref name="dataRoot"/>, which outlives it when <paramref name="keepData"/>
    /// (a second system on the same folder is the first one restarted). <paramref name="configure"/> replaces the shared system's test settings.
    /// </summary>
    private AppHostFixture(string dataRoot, bool keepData, Action<IDistributedApplicationTestingBuilder>? configure)
    {
        _dataRoot = dataRoot;
        _keepData = keepData;
        _configure = configure;
    }

    /// <summary>Starts a system of a test's own; dispose it to stop it (an orderly stop, as Ctrl+C gives).</summary>
    public static async Task<AppHostFixture> StartAsync(string dataRoot, Action<IDistributedApplicationTestingBuilder>? configure = null)
    {
        var system = new AppHostFixture(dataRoot, keepData: true, configure ?? (_ => { }));
        await system.InitializeAsync();
        return system;
    }

    public DistributedApplication App { get; private set; } = null!;

    public IReadOnlyList<IResource> Resources { get; private set; } = [];

    public OtlpTraceReceiver Telemetry { get; } = new();

    /// <summary>The shared system's Api signs in with Google against this local fake; sign-in is open to minicrm.test accounts.</summary>
    public FakeGoogle Google { get; } = new();

    public const string AllowedDomain = "minicrm.test";

    /// <summary>The shared system's AI provider: an OpenAI-compatible server the tests script (unscripted requests fall back to offline).</summary>
    public FakeOpenAi OpenAi { get; } = new();

    /// <summary>The shared system's AI timeout: a hanging model costs a request this long.</summary>
    public const int AiTimeoutSeconds = 3;

    public string IngestApiKey { get; private set; } = "";

    public string VendorSigningSecret { get; private set; } = "";

    public string DatabaseConnectionString { get; private set; } = "";

    /// <summary>The key that signs the customers' unsubscribe links.</summary>
    public string LinkSigningKey { get; private set; } = "";

    /// <summary>The AppHost's operations key: Ingest's control endpoints and the vendor's stats take it.</summary>
    public string OpsKey { get; private set; } = "";

    /// <summary>The session cookie of the tests' marketer, from the development sign-in (the Api runs in Development here).</summary>
    public string SessionCookie { get; private set; } = "";

    public const string MarketerEmail = "tests@minicrm.test";

    /// <summary>An admin by configuration (Authentication:Admins): the Team page may not change them.</summary>
    public const string ConfiguredAdminEmail = "root.admin@minicrm.test";

    /// <summary>The Local-mode emulator's fixed bootstrap port for tools (kcat), a free one per system here.</summary>
    public int KafkaToolPort { get; private set; }

    public async Task InitializeAsync()
    {
        await Telemetry.StartAsync();
        await Google.StartAsync();
        await OpenAi.StartAsync();
        var arguments = TestAppHost.Arguments(_dataRoot);
        KafkaToolPort = TestAppHost.ArgumentValue<int>(arguments, "KafkaEmulator:Port");
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.MiniCrm_AppHost>(
            arguments,
            (options, settings) => options.DisableDashboard = true);
        builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Information));

        foreach (var project in builder.Resources.OfType<ProjectResource>().ToList())
        {
            builder.CreateResourceBuilder(project)
                .WithEnvironment("OTEL_EXPORTER_OTLP_ENDPOINT", Telemetry.Endpoint)
                .WithEnvironment("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
                .WithEnvironment("OTEL_BSP_SCHEDULE_DELAY", "500");
        }

        if (_configure is not null)
        {
            _configure(builder);
        }
        else
        {
            // The vendor also loses 2% of its receipts, and the Workers ask again after 3 quiet seconds:
            // every campaign test finishes through the reconciler as well.
            Configure(builder, "vendorsim", ("Vendor__DuplicateRate", "1"), ("Vendor__LatencyMilliseconds", "20"), ("Vendor__ReceiptLossRate", "0.02"),
                ("Vendor__RecentMessages", "100000"));
            Configure(builder, "api", ("Ingestion__MaxPartitionLag", "200"),
                ("Authentication__Google__ClientId", FakeGoogle.ClientId), ("Authentication__Google__ClientSecret", FakeGoogle.ClientSecret),
                ("Authentication__Google__AuthorizationEndpoint", Google.BaseAddress + "/authorize"),
                ("Authentication__Google__TokenEndpoint", Google.BaseAddress + "/token"),
                ("Authentication__Google__UserInformationEndpoint", Google.BaseAddress + "/userinfo"),
                ("Authentication__AllowedEmailDomains__0", AllowedDomain),
                ("Authentication__Admins__0", ConfiguredAdminEmail),
                // Many tests share one marketer here: the limits are proven on a system of their own (RateLimitTests).
                ("RateLimits__PreviewPerMinute", "100000"), ("RateLimits__LaunchPerMinute", "100000"), ("RateLimits__AiPerMinute", "100000"),
                ("RateLimits__SignInPerMinute", "100000"));
            foreach (var service in new[] { "api", "workers" })
            {
                Configure(builder, service, ("AI__Provider", "openai-compatible"), ("AI__Endpoint", OpenAi.BaseAddress),
                    ("AI__Model", FakeOpenAi.Model), ("AI__ApiKey", FakeOpenAi.ApiKey), ("AI__TimeoutSeconds", AiTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }

            Configure(builder, "workers", ("Dispatch__DeliveriesPerMessage", "100"),
                ("Reconcile__ReceiptTimeoutSeconds", "3"), ("Reconcile__IntervalSeconds", "1"));
        }

        // The pipeline's own resources; Aspire adds hidden helpers (such as project rebuilders) that never run here.
        Resources = builder.Resources.Where(r => r is ProjectResource || (r is IResourceWithConnectionString && r is not ParameterResource)).ToList();
        var parameters = builder.Resources.OfType<ParameterResource>().ToDictionary(p => p.Name);

        App = await builder.BuildAsync();
        using var cts = new CancellationTokenSource(StartTimeout);
        await App.StartAsync(cts.Token);
        foreach (var resource in Resources)
        {
            await App.ResourceNotifications.WaitForResourceHealthyAsync(resource.Name, cts.Token);
        }

        IngestApiKey = (await parameters["ingest-api-key"].GetValueAsync(cts.Token))!;
        VendorSigningSecret = (await parameters["vendor-signing-secret"].GetValueAsync(cts.Token))!;
        DatabaseConnectionString = (await App.GetConnectionStringAsync("crmdb", cts.Token))!;
        OpsKey = (await parameters["ops-key"].GetValueAsync(cts.Token))!;
        LinkSigningKey = (await parameters["link-signing-key"].GetValueAsync(cts.Token))!;
        SessionCookie = await SignInAsync(MarketerEmail, "Test Marketer");
    }

    /// <summary>The Api as the tests' signed-in marketer.</summary>
    public HttpClient Api()
    {
        var http = Client("api");
        http.DefaultRequestHeaders.Add("Cookie", SessionCookie);
        return http;
    }

    /// <summary>The Api as a new user of <paramref name="role"/> (Admin, Marketer, Analyst), signed in with the development sign-in.</summary>
    public async Task<HttpClient> ApiAsAsync(string role, string? email = null)
    {
        var cookie = await SignInAsync(email ?? $"{role.ToLowerInvariant()}.{Guid.NewGuid():N}@{AllowedDomain}", role + " Tester", role);
        var http = Client("api");
        http.DefaultRequestHeaders.Add("Cookie", cookie);
        return http;
    }

    /// <summary>The Api as someone who has not signed in.</summary>
    public HttpClient AnonymousApi() => Client("api");

    /// <summary>
    /// A client of its own for a resource's HTTP endpoint, keeping no cookies: the factory's pooled
    /// handlers share one cookie jar, so a session set for one client would travel with all the others.
    /// </summary>
    public HttpClient Client(string resource) =>
        new(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = App.GetEndpoint(resource, "http") };

    /// <summary>A resource's HTTP endpoint with the operations key (Ingest's commands, the vendor's stats).</summary>
    public HttpClient WithOpsKey(string resource)
    {
        var http = Client(resource);
        http.DefaultRequestHeaders.Add(MiniCrm.ServiceDefaults.Operations.DrainEndpoints.KeyHeader, OpsKey);
        return http;
    }

    /// <summary>Signs in with the development sign-in and returns the session cookie ("name=value").</summary>
    public async Task<string> SignInAsync(string email, string name, string? role = null)
    {
        using var http = AnonymousApi();
        var response = await http.PostAsJsonAsync("/auth/development/signin", new { email, name, role });
        for (var attempt = 0; response.StatusCode == System.Net.HttpStatusCode.TooManyRequests && attempt < 10; attempt++)
        {
            // Sign-in is rate limited per address; a client waits as Retry-After says.
            await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(5));
            response.Dispose();
            response = await http.PostAsJsonAsync("/auth/development/signin", new { email, name, role });
        }

        using var _ = response;
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.NoContent, $"development sign-in: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("minicrm.session=", StringComparison.Ordinal));
        return cookie[..cookie.IndexOf(';')];
    }

    public HttpClient IngestingApi()
    {
        var http = Client("api");
        http.DefaultRequestHeaders.Add("X-Api-Key", IngestApiKey);
        return http;
    }

    /// <summary>Signs a receipts request as the vendor does (<c>X-Vendor-Signature: t=…,v1=HMAC(t.body)</c>), with the AppHost's secret unless another is given.</summary>
    public void SignAsVendor(HttpRequestMessage request, string body, DateTimeOffset? at = null, string? secret = null)
    {
        var time = (at ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var signature = Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes(secret ?? VendorSigningSecret), System.Text.Encoding.UTF8.GetBytes(time + "." + body)));
        request.Headers.Add("X-Vendor-Signature", $"t={time},v1={signature}");
    }

    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Every row of <paramref name="sql"/>, read by <paramref name="read"/>.</summary>
    public async Task<List<T>> ListAsync<T>(string sql, Func<NpgsqlDataReader, T> read)
    {
        await using var connection = new NpgsqlConnection(DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync())
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    /// <summary>
    /// Waits until the pipeline is quiet: the customers, orders and receipts consumers have committed
    /// every message to the end of their topics, and no campaign is running. Counting rows is exact then.
    /// </summary>
    public async Task WaitUntilQuietAsync(TimeSpan timeout)
    {
        var bootstrap = (await App.GetConnectionStringAsync("kafka"))!;
        var lags = new (string Topic, string Group)[]
        {
            (MiniCrm.ServiceDefaults.Kafka.KafkaTopics.Customers, MiniCrm.ServiceDefaults.Kafka.ConsumerGroups.Customers),
            (MiniCrm.ServiceDefaults.Kafka.KafkaTopics.Orders, MiniCrm.ServiceDefaults.Kafka.ConsumerGroups.Orders),
            (MiniCrm.ServiceDefaults.Kafka.KafkaTopics.DeliveryReceipts, MiniCrm.ServiceDefaults.Kafka.ConsumerGroups.Receipts),
        }.Select(t => new MiniCrm.ServiceDefaults.Kafka.KafkaConsumerLag(bootstrap, t.Topic, t.Group)).ToList();
        try
        {
            await EventuallyAsync(async () =>
                lags.All(l => l.MaxPartitionLag(TimeSpan.FromSeconds(5)) == 0) &&
                await ScalarAsync<long>("SELECT count(*) FROM campaigns WHERE status = 'RUNNING'") == 0,
                timeout, "the pipeline to be quiet (every topic consumed, no campaign running)");
        }
        finally
        {
            lags.ForEach(l => l.Dispose());
        }
    }

    /// <summary>
    /// Starts a stopped or killed service again, as the dashboard's Start does, and waits until the new process runs and
    /// is healthy. Right after the command the resource's snapshot can still be the old process's "Exited", and Aspire's
    /// default healthy wait stops at a terminal state and throws "failed to start": so the wait is for the new process
    /// to be Running first, then for it to be healthy.
    /// </summary>
    public async Task StartAgainAsync(string resource)
    {
        var started = await App.Services.GetRequiredService<ResourceCommandService>().ExecuteCommandAsync(resource, KnownResourceCommands.StartCommand);
        Assert.True(started.Success, started.Message);
        using var timeout = new CancellationTokenSource(StartTimeout);
        await App.ResourceNotifications.WaitForResourceAsync(resource, e => e.Snapshot.State?.Text == KnownResourceStates.Running, timeout.Token);
        await App.ResourceNotifications.WaitForResourceHealthyAsync(resource, WaitBehavior.WaitOnResourceUnavailable, timeout.Token);
    }

    /// <summary>Waits until <paramref name="condition"/> holds, failing with <paramref name="what"/> after the timeout.</summary>
    public static Task EventuallyAsync(Func<Task<bool>> condition, TimeSpan timeout, string what) => EventuallyAsync(condition, timeout, () => what);

    public static async Task EventuallyAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out after {timeout.TotalSeconds:0} s waiting for: {what()}");
            }

            await Task.Delay(250);
        }
    }

    public async Task DisposeAsync()
    {
        if (App is not null)
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }

        await Telemetry.DisposeAsync();
        await Google.DisposeAsync();
        await OpenAi.DisposeAsync();
        if (!_keepData)
        {
            TestAppHost.DeleteDataRoot(_dataRoot);
        }
    }

    public static void Configure(IDistributedApplicationTestingBuilder builder, string resource, params (string Key, string Value)[] settings)
    {
        var project = builder.CreateResourceBuilder(builder.Resources.OfType<ProjectResource>().Single(r => r.Name == resource));
        foreach (var (key, value) in settings)
        {
            project.WithEnvironment(key, value);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class AppHostCollection : ICollectionFixture<AppHostFixture>
{
    public const string Name = "AppHost";
}

internal static class TestAppHost
{
    /// <summary>Local mode on a free port and a private data folder.</summary>
    public static string[] Arguments(string dataRoot, params string[] more) =>
    [
        $"--LocalPostgres:DataDirectory={Path.Combine(dataRoot, "postgres")}",
        $"--LocalPostgres:Port={FreePort()}",
        $"--KafkaEmulator:Port={FreePort()}",
        "--Shop:BuyRate=0", // the simulated shoppers buy only where a test asks (their orders would count with the test's own)
        .. more,
    ];

    public static T ArgumentValue<T>(IEnumerable<string> arguments, string key) where T : IParsable<T> =>
        T.Parse(arguments.Single(a => a.StartsWith($"--{key}=", StringComparison.Ordinal))[(key.Length + 3)..], System.Globalization.CultureInfo.InvariantCulture);

    public static bool PortIsFree(int port)
    {
        try
        {
            using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static void DeleteDataRoot(string dataRoot)
    {
        try
        {
            if (Directory.Exists(dataRoot))
            {
                Directory.Delete(dataRoot, recursive: true);
            }
        }
        catch (IOException)
        {
        }
    }
}
