using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MiniCrm.Tests.Infrastructure;

/// <summary>
/// The whole AppHost, started once for every integration test (starting it takes tens of seconds
/// on two cores). It runs on its own PostgreSQL port and a throw-away data folder, so it neither
/// sees nor disturbs a developer's F5 system.
/// </summary>
public sealed class AppHostFixture : IAsyncLifetime
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(5);

    private readonly string _dataRoot = Path.Combine(Path.GetTempPath(), "minicrm-tests-" + Guid.NewGuid().ToString("N")[..8]);

    public DistributedApplication App { get; private set; } = null!;

    public IReadOnlyList<IResource> Resources { get; private set; } = [];

    public async Task InitializeAsync()
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.MiniCrm_AppHost>(
            TestAppHost.Arguments(_dataRoot),
            (options, settings) => options.DisableDashboard = true);
        builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Information));
        // The pipeline's own resources; Aspire adds hidden helpers (such as project rebuilders) that never run here.
        Resources = builder.Resources.Where(r => r is ProjectResource || (r is IResourceWithConnectionString && r is not ParameterResource)).ToList();

        App = await builder.BuildAsync();
        using var cts = new CancellationTokenSource(StartTimeout);
        await App.StartAsync(cts.Token);
        foreach (var resource in Resources)
        {
            await App.ResourceNotifications.WaitForResourceHealthyAsync(resource.Name, cts.Token);
        }
    }

    public async Task DisposeAsync()
    {
        if (App is not null)
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }

        TestAppHost.DeleteDataRoot(_dataRoot);
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
        .. more,
    ];

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
