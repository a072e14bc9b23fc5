using System.Net;
using System.Net.Http.Json;
using MiniCrm.Tests.Faults;
using MiniCrm.Tests.Foundation;
using MiniCrm.Tests.Infrastructure;

namespace MiniCrm.Tests.Security;

/// <summary>
/// Rate limits answer 429 with Retry-After, per marketer (one marketer's burst does not slow another)
/// and per address for sign-in. On the faults tests' own system, whose limits are set low.
/// </summary>
[Collection(TerminalCollection.Name)]
public sealed class RateLimitTests(OwnSystem own)
{
    private static readonly object NoOne = new { combinator = "AND", rules = new object[] { new { attribute = "visit", @operator = "<", value = 0 } } };

    [Fact]
    public async Task Previews_and_launches_past_their_limit_get_429_with_retry_after_for_that_marketer_only()
    {
        var system = await own.SystemAsync();
        using var busy = system.AnonymousApi();
        busy.DefaultRequestHeaders.Add("Cookie", await system.SignInAsync($"busy.{Guid.NewGuid():N}@minicrm.test", "Busy Marketer"));

        var previews = new List<HttpResponseMessage>();
        for (var i = 0; i < 30; i++)
        {
            previews.Add(await busy.PostAsJsonAsync("/api/segments/preview", NoOne));
        }

        Assert.True(previews.Count(r => r.StatusCode == HttpStatusCode.OK) is >= 15 and <= 22, string.Join(",", previews.Select(r => (int)r.StatusCode)));
        var limited = previews.First(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.True(int.Parse(limited.Headers.GetValues("Retry-After").Single()) >= 1);
        Assert.Contains("Too many requests", await limited.Content.ReadAsStringAsync());
        previews.ForEach(r => r.Dispose());

        // Another marketer is not slowed by the first one's burst.
        using var other = system.Api();
        using (var theirs = await other.PostAsJsonAsync("/api/segments/preview", NoOne))
        {
            Assert.Equal(HttpStatusCode.OK, theirs.StatusCode);
        }

        // Launches have a lower limit; the rules select no one, so nothing is created either way.
        var campaignsBefore = await system.ScalarAsync<long>("SELECT count(*) FROM campaigns");
        var launches = new List<HttpStatusCode>();
        for (var i = 0; i < 12; i++)
        {
            using var launch = await busy.PostAsJsonAsync("/api/campaigns", new { name = "Nobody", rules = NoOne, message = "Hi" });
            launches.Add(launch.StatusCode);
        }

        Assert.Contains(HttpStatusCode.UnprocessableEntity, launches);
        Assert.Contains(HttpStatusCode.TooManyRequests, launches);
        Assert.Equal(campaignsBefore, await system.ScalarAsync<long>("SELECT count(*) FROM campaigns"));
    }

    [Fact]
    public async Task Sign_in_attempts_from_one_address_past_the_limit_get_429()
    {
        var system = await own.SystemAsync();
        using var anonymous = system.AnonymousApi();
        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 20; i++)
        {
            using var attempt = await anonymous.PostAsJsonAsync("/auth/development/signin", new { email = $"try{i}.{Guid.NewGuid():N}@minicrm.test", name = "Try" });
            answers.Add(attempt.StatusCode);
        }

        Assert.Contains(HttpStatusCode.NoContent, answers);
        Assert.Contains(HttpStatusCode.TooManyRequests, answers);

        // Waiting as Retry-After says is enough (plus a second: the bucket refills on a timer of its own).
        using var refused = await anonymous.PostAsJsonAsync("/auth/development/signin", new { email = $"late.{Guid.NewGuid():N}@minicrm.test", name = "Late" });
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        await Task.Delay(refused.Headers.RetryAfter!.Delta!.Value + TimeSpan.FromSeconds(1));
        using var later = await anonymous.PostAsJsonAsync("/auth/development/signin", new { email = $"later.{Guid.NewGuid():N}@minicrm.test", name = "Later" });
        Assert.Equal(HttpStatusCode.NoContent, later.StatusCode);
    }
}
