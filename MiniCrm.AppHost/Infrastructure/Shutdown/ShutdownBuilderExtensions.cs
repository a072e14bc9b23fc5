using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MiniCrm.ServiceDefaults.Operations;

namespace MiniCrm.AppHost.Infrastructure.Shutdown;

public static class ShutdownBuilderExtensions
{
    /// <summary>
    /// Stops the system in order (see <see cref="OrderlyShutdown"/>). Each service gets the operations
    /// key that opens its drain endpoints; the host's shutdown timeout leaves room for the drain.
    /// </summary>
    internal static void AddOrderlyShutdown(
        this IDistributedApplicationBuilder builder,
        IResourceBuilder<ParameterResource> opsKey,
        IResourceBuilder<IResourceWithConnectionString> kafka,
        params DrainStage[] stages)
    {
        foreach (var service in stages.SelectMany(s => s.Services).OfType<ProjectResource>())
        {
            builder.CreateResourceBuilder(service).WithEnvironment("Operations__Key", opsKey);
        }

        var timeout = TimeSpan.FromSeconds(builder.Configuration.GetValue(OrderlyShutdown.TimeoutSetting, OrderlyShutdown.DefaultTimeoutSeconds));
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = timeout + TimeSpan.FromSeconds(60));
        builder.Services.AddHostedService(sp => new OrderlyShutdown(
            stages, kafka.Resource, opsKey.Resource,
            sp.GetRequiredService<DistributedApplicationModel>(),
            sp.GetRequiredService<DistributedApplicationExecutionContext>(),
            sp.GetRequiredService<IConfiguration>(),
            sp.GetRequiredService<ILogger<OrderlyShutdown>>()));
    }
}
