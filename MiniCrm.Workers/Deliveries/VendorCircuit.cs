namespace MiniCrm.Workers.Deliveries;

/// <summary>
/// A circuit breaker in front of the vendor. When a batch finds the vendor unavailable the circuit
/// opens: dispatch pauses, delivery batches still arriving are left PENDING without a call, and the
/// reconciler holds its re-dispatches. After a cool-down (2 s, doubling to a minute while the vendor
/// stays away) dispatch tries again; the first batch the vendor takes closes it.
/// </summary>
public sealed partial class VendorCircuit(TimeProvider clock, ILogger<VendorCircuit> logger)
{
    private static readonly TimeSpan FirstCoolDown = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan LongestCoolDown = TimeSpan.FromMinutes(1);

    private readonly Lock _gate = new();
    private DateTimeOffset _closedAgainAt = DateTimeOffset.MinValue;
    private TimeSpan _coolDown = FirstCoolDown;
    private bool _failing;

    /// <summary>True while the vendor is known to be away and its cool-down has not passed.</summary>
    public bool IsOpen
    {
        get
        {
            lock (_gate)
            {
                return clock.GetUtcNow() < _closedAgainAt;
            }
        }
    }

    /// <summary>True from the first failure until the vendor takes a batch again (also during the tries after a cool-down).</summary>
    public bool VendorAway
    {
        get
        {
            lock (_gate)
            {
                return _failing;
            }
        }
    }

    public void Failed(string reason)
    {
        lock (_gate)
        {
            if (clock.GetUtcNow() < _closedAgainAt)
            {
                return; // batches already in flight when it opened
            }

            _coolDown = _failing ? TimeSpan.FromTicks(Math.Min(_coolDown.Ticks * 2, LongestCoolDown.Ticks)) : FirstCoolDown;
            _failing = true;
            _closedAgainAt = clock.GetUtcNow() + _coolDown;
            LogOpened(reason, _coolDown.TotalSeconds);
        }
    }

    public void Succeeded()
    {
        lock (_gate)
        {
            if (_failing)
            {
                LogClosed();
            }

            _failing = false;
            _coolDown = FirstCoolDown;
            _closedAgainAt = DateTimeOffset.MinValue;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The vendor is unavailable ({Reason}); dispatch pauses for {Seconds:0} s and its deliveries stay PENDING.")]
    private partial void LogOpened(string reason, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "The vendor takes deliveries again; dispatch resumes.")]
    private partial void LogClosed();
}
