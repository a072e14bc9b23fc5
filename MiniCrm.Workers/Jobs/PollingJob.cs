using MiniCrm.ServiceDefaults.Operations;
using Npgsql;

namespace MiniCrm.Workers.Jobs;

/// <summary>
/// A job that looks for work in PostgreSQL every <see cref="Interval"/>: it does nothing while MiniCRM drains for a stop
/// (or while <see cref="Paused"/> says so), and a database that does not answer is logged and tried again at the next
/// tick instead of ending the job. Finding no work should leave no trace: a job's lookup runs under
/// <c>SuppressInstrumentationScope</c>, its work in the campaign's own trace.
/// </summary>
public abstract partial class PollingJob(DrainSignal drain, ILogger logger) : BackgroundService
{
    protected abstract TimeSpan Interval { get; }

    /// <summary>False when the job has nothing to do in this configuration (it then does not start).</summary>
    protected virtual bool Enabled => true;

    /// <summary>True to skip a tick (for example while the vendor's circuit is open).</summary>
    protected virtual bool Paused => false;

    /// <summary>One tick's work: everything that is due now.</summary>
    public abstract Task RunOnceAsync(CancellationToken ct);

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (drain.IsDraining || Paused)
            {
                continue;
            }

            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                LogFailed(logger, GetType().Name, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Job}: the database did not answer; trying again at the next tick.")]
    private static partial void LogFailed(ILogger logger, string job, Exception ex);
}
