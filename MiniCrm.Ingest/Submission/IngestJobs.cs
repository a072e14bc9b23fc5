using MiniCrm.ServiceDefaults.Operations;

namespace MiniCrm.Ingest.Submission;

/// <summary>
/// The one run the Ingest service does at a time when driven over HTTP (or from the dashboard):
/// tracked, observable through /status, and stopped with the service.
/// </summary>
public sealed class IngestJobs(IServiceScopeFactory scopes, DrainSignal drain, ILogger<IngestJobs> logger) : IHostedService, IDrainProgress
{
    private readonly Lock _gate = new();
    private CancellationTokenSource? _cancel;
    private Task _run = Task.CompletedTask;

    public IngestProgress? Current { get; private set; }

    public bool TryStart(IngestProgress progress, Func<IngestRunner, IngestProgress, CancellationToken, Task> work)
    {
        lock (_gate)
        {
            if (!_run.IsCompleted || drain.IsDraining)
            {
                return false;
            }

            Current = progress;
            _cancel = new CancellationTokenSource();
            var token = _cancel.Token;
            _run = Task.Run(async () =>
            {
                await using var scope = scopes.CreateAsyncScope();
                try
                {
                    await work(scope.ServiceProvider.GetRequiredService<IngestRunner>(), progress, token);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                }
                catch (Exception ex)
                {
                    progress.Error = ex.Message;
                    logger.LogError(ex, "The {Kind} run failed.", progress.Kind);
                }
                finally
                {
                    progress.Stop();
                    progress.Finished = true;
                    logger.LogInformation("{Kind} finished: {Customers} customers ({CustomersPerSecond:N0}/s), {Orders} orders ({OrdersPerSecond:N0}/s) in {Seconds:N1} s.",
                        progress.Kind, progress.CustomersAccepted, progress.CustomersPerSecond, progress.OrdersAccepted, progress.OrdersPerSecond, progress.ElapsedSeconds);
                }
            }, CancellationToken.None);
            return true;
        }
    }

    public async Task StopCurrentAsync()
    {
        _cancel?.Cancel();
        await _run;
    }

    /// <summary>An orderly stop of the system ends the run at once: what the Api already accepted is kept.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        drain.Draining.Register(() => _cancel?.Cancel());
        return Task.CompletedTask;
    }

    public IEnumerable<KeyValuePair<string, long>> Remaining() => [new("runsInProgress", _run.IsCompleted ? 0 : 1)];

    public Task StopAsync(CancellationToken cancellationToken) => StopCurrentAsync();
}
