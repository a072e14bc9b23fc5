using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace MiniCrm.Tests.Infrastructure;

/// <summary>Collects a resource's log lines (as the dashboard shows them) that match, from now until disposed.</summary>
public sealed class ResourceLogWatch : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<string> _lines = [];
    private readonly Task _watching;

    public ResourceLogWatch(DistributedApplication app, string resource, Func<string, bool> matches)
    {
        var logs = app.Services.GetRequiredService<ResourceLoggerService>();
        // By the resource, not its name: a project's logs are kept under its running instance's name.
        var watched = app.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == resource);
        _watching = Task.Run(async () =>
        {
            try
            {
                await foreach (var batch in logs.WatchAsync(watched).WithCancellation(_stop.Token))
                {
                    lock (_lines)
                    {
                        _lines.AddRange(batch.Select(l => l.Content).Where(matches));
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
    }

    public int Count
    {
        get
        {
            lock (_lines)
            {
                return _lines.Count;
            }
        }
    }

    public override string ToString()
    {
        lock (_lines)
        {
            return string.Join(Environment.NewLine, _lines);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _watching.Wait(TimeSpan.FromSeconds(5));
        _stop.Dispose();
    }
}
