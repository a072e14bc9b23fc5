using MiniCrm.Api.Web.Support;

namespace MiniCrm.Tests.Unit;

/// <summary>What the composer asks for before it asks the Api: a send-at the marketer can fix, never an exception.</summary>
[Trait("Category", "Unit")]
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

    private static List<string> AudienceProblems(Composition composition) =>
        [.. composition.Missing(Now, local => new DateTimeOffset(local, TimeSpan.Zero)).Where(e => e.Field is "audience" or "segmentId").Select(e => e.Message)];

    [Fact]
    public void Everyone_is_reached_only_by_choosing_everyone()
    {
        // Rules built here with every rule removed (or only empty groups left) would be everyone, unchosen.
        var emptied = new Composition { Name = "Winter", Audience = AudienceSource.Rules, Message = "Hi" };
        emptied.Rules.Items.Clear();
        Assert.Equal(["No rules means everyone: choose “Everyone” above, or add a rule."], AudienceProblems(emptied));
        emptied.Rules.Items.Add(new GroupDraft());
        Assert.Equal(["No rules means everyone: choose “Everyone” above, or add a rule."], AudienceProblems(emptied));

        var saved = new Composition { Name = "Winter", Audience = AudienceSource.Saved, SegmentId = Guid.NewGuid().ToString(), Message = "Hi", SavedIsEveryone = true };
        Assert.Equal(["This saved audience has no rules, so it is everyone: choose “Everyone” above to send to everyone."], AudienceProblems(saved));
        Assert.True(GroupDraft.SelectsEveryone(System.Text.Json.Nodes.JsonNode.Parse("""{"combinator":"AND","rules":[{"combinator":"OR","rules":[]}]}""")));
        Assert.False(GroupDraft.SelectsEveryone(System.Text.Json.Nodes.JsonNode.Parse("""{"combinator":"AND","rules":[{"attribute":"visit","operator":">","value":1}]}""")));

        Assert.Empty(AudienceProblems(new Composition { Name = "Winter", Audience = AudienceSource.Everyone, Message = "Hi" }));
    }

    [Fact]
    public void Rules_with_words_left_out_are_not_ready_to_send()
    {
        var held = new Composition { Name = "Winter", Audience = AudienceSource.Rules, Message = "Hi", RulesHeld = true };
        Assert.Equal(["Some of your words are not in the rules: add rules for them, reword the description, or count the rules as they are."], AudienceProblems(held));
    }
}

[Trait("Category", "Unit")]
public sealed class CompositionDraftTests
{
    [Theory]
    [InlineData(MiniCrm.Api.Web.Support.AudienceSource.Saved)]
    [InlineData(MiniCrm.Api.Web.Support.AudienceSource.Everyone)]
    public void A_draft_keeps_where_the_audience_comes_from(MiniCrm.Api.Web.Support.AudienceSource source)
    {
        var segment = Guid.NewGuid();
        var composition = new MiniCrm.Api.Web.Support.Composition { Name = "Diwali", Audience = source, SegmentId = source == MiniCrm.Api.Web.Support.AudienceSource.Saved ? segment.ToString() : "" };
        var stored = System.Text.Json.JsonSerializer.Serialize(composition.ToDraft(), new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web));
        var back = MiniCrm.Api.Web.Support.Composition.FromDraft(System.Text.Json.Nodes.JsonNode.Parse(stored));
        Assert.Equal(source, back.Audience);
        Assert.Equal(composition.SegmentId, back.SegmentId);
    }
}
