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
        var from = DateTime.UtcNow.AddSeconds(-1);
        _watching = Task.Run(async () =>
        {
            try
            {
                await foreach (var batch in logs.WatchAsync(watched).WithCancellation(_stop.Token))
                {
                    lock (_lines)
                    {
                        // The watch replays the log so far first: only lines written from now count.
                        _lines.AddRange(batch.Select(l => l.Content).Where(line => WrittenAt(line) is not { } at || at >= from).Where(matches));
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
    }

    /// <summary>A project's lines start with the time they were written, as the dashboard shows it.</summary>
    private static DateTime? WrittenAt(string line) =>
        line.Length > 20 && DateTime.TryParse(line.AsSpan(0, line.IndexOf(' ') is > 0 and var end ? end : line.Length), System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal, out var at)
            ? at
            : null;

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
