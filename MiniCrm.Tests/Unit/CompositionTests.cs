using MiniCrm.Api.Web.Support;

namespace MiniCrm.Tests.Unit;

/// <summary>What the composer asks for before it asks the Api: a send-at the marketer can fix, never an exception.</summary>
public sealed class CompositionTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    private static List<string> SendAtProblems(DateTime? sendAt, TimeSpan offset)
    {
        var composition = new Composition { Name = "Winter", Audience = AudienceSource.Everyone, Message = "Hi", Later = true, SendAt = sendAt };
        return [.. composition.Missing(Now, local => new DateTimeOffset(local, offset)).Where(e => e.Field == "sendAt").Select(e => e.Message)];
    }

    [Fact]
    public void A_time_ahead_within_the_year_is_fine()
    {
        Assert.Empty(SendAtProblems(new DateTime(2026, 12, 24, 9, 0, 0), TimeSpan.FromHours(5.5)));
    }

    [Fact]
    public void A_past_time_a_missing_one_and_one_years_away_are_each_named()
    {
        Assert.Equal(["Choose a time in the future, or send it now."], SendAtProblems(new DateTime(2026, 12, 6, 9, 0, 0), TimeSpan.Zero));
        Assert.Equal(["Choose a date and a time."], SendAtProblems(null, TimeSpan.Zero));
        Assert.Equal(["Choose a time within the next year."], SendAtProblems(new DateTime(2028, 1, 1, 9, 0, 0), TimeSpan.Zero));
    }

    [Fact]
    public void The_last_day_of_the_calendar_is_a_problem_to_fix_not_a_crash()
    {
        // An offset east of UTC on 9999-12-31 23:59 names no representable instant; the year is refused before that is asked.
        Assert.Equal(["Choose a time within the next year."], SendAtProblems(new DateTime(9999, 12, 31, 23, 59, 0), TimeSpan.FromHours(-14)));
        var clock = new BrowserClock();
        Assert.Equal(9999, clock.FromLocal(new DateTime(9999, 12, 31, 23, 59, 0)).Year);
    }
}
