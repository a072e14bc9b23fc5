namespace MiniCrm.Api.Web.Support;

/// <summary>Waits for the marketer to pause typing: a newer call makes the older one answer false.</summary>
public sealed class Debounce(TimeSpan quiet) : IDisposable
{
    private CancellationTokenSource? _waiting;

    /// <summary>True once <c>quiet</c> passed with no newer call; false when a newer call (or disposal) came first.</summary>
    public async Task<bool> QuietAsync()
    {
        _waiting?.Cancel();
        _waiting?.Dispose();
        var waiting = _waiting = new CancellationTokenSource();
        try
        {
            await Task.Delay(quiet, waiting.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose() => _waiting?.Cancel();
}
