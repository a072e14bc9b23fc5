using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace MiniCrm.Api.Http;

/// <summary>
/// The same per-marketer limits as the endpoints' (<see cref="AbuseLimits"/>), for the web app's operations, which
/// run over the page's circuit rather than as requests the rate-limiting middleware sees. Each limit is a token
/// bucket per marketer, sized from <see cref="RateLimitOptions"/>.
/// </summary>
public sealed class MarketerLimits(IOptions<RateLimitOptions> options) : IDisposable
{
    private readonly ConcurrentDictionary<string, PartitionedRateLimiter<string>> _limiters = new();

    /// <summary>Takes one permit of <paramref name="limit"/> for the marketer, or says how long to wait.</summary>
    public bool TryAcquire(string limit, string marketer, out TimeSpan retryAfter)
    {
        using var lease = _limiters.GetOrAdd(limit, Create).AttemptAcquire(marketer);
        retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(5);
        return lease.IsAcquired;
    }

    private PartitionedRateLimiter<string> Create(string limit)
    {
        var perMinute = limit switch
        {
            AbuseLimits.Preview => options.Value.PreviewPerMinute,
            AbuseLimits.Launch => options.Value.LaunchPerMinute,
            AbuseLimits.Ai => options.Value.AiPerMinute,
            _ => throw new ArgumentOutOfRangeException(nameof(limit), limit, "Not a marketer's limit."),
        };
        return PartitionedRateLimiter.Create<string, string>(marketer => RateLimitPartition.GetTokenBucketLimiter(marketer, _ => AbuseLimits.Bucket(perMinute)));
    }

    public void Dispose()
    {
        foreach (var limiter in _limiters.Values)
        {
            limiter.Dispose();
        }
    }
}
