using System.Text.Json;
using MiniCrm.Core.Journeys;
using MiniCrm.Core.Segments;

namespace MiniCrm.Tests.Unit;

[Trait("Category", "Unit")]
public sealed class JourneyPlanTests
{
    private static JourneyDefinition Definition(string json) => JsonSerializer.Deserialize<JourneyDefinition>(json, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;

    private static JourneyPlan Parse(string json)
    {
        var errors = new List<FieldError>();
        var plan = JourneyPlan.Parse(Definition(json), errors);
        Assert.True(plan is not null, string.Join("\n", errors.Select(e => $"{e.Field}: {e.Message}")));
        return plan!;
    }

    private static List<FieldError> Problems(string json)
    {
        var errors = new List<FieldError>();
        Assert.Null(JourneyPlan.Parse(Definition(json), errors));
        return errors;
    }

    [Fact]
    public void Steps_get_path_ids_and_branches_join_again_at_the_step_after_them()
    {
        var plan = Parse("""
            {"trigger": {"kind": "ORDER_PLACED", "firstOrder": true}, "goal": "ORDER_PLACED",
             "steps": [
                {"type": "SEND", "message": "Thanks, {{first_name}}!"},
                {"type": "WAIT", "amount": 2, "unit": "DAYS"},
                {"type": "BRANCH", "orderedSinceEntry": true, "yes": [{"type": "EXIT"}], "no": [{"type": "SEND", "message": "Come back"}, {"type": "WAIT", "amount": 1, "unit": "HOURS"}]},
                {"type": "SPLIT", "paths": [{"share": 30, "steps": [{"type": "SEND", "message": "A"}]}, {"share": 70, "steps": []}]},
                {"type": "SEND", "message": "Last"}
             ]}
            """);
        Assert.Equal("1", plan.First);
        Assert.Equal(["1", "2", "3", "3.no.1", "3.no.2", "3.yes.1", "4", "4.a.1", "5"], plan.Steps.Select(s => s.Id).Order(StringComparer.Ordinal));
        Assert.Equal("2", plan.Step("1").Next);
        Assert.Equal(172_800, plan.Step("2").WaitSeconds);
        Assert.Equal("3.yes.1", plan.Step("3").Yes);
        Assert.Equal("3.no.1", plan.Step("3").No);
        Assert.Equal("3.no.2", plan.Step("3.no.1").Next);
        Assert.Equal("4", plan.Step("3.no.2").Next); // the no path joins again after the branch
        Assert.Equal([(30, "4.a.1"), (70, "5")], plan.Step("4").Paths); // an empty path goes straight on
        Assert.Equal("5", plan.Step("4.a.1").Next);
        Assert.Null(plan.Step("5").Next); // the end: the customer completes the journey
        Assert.True(plan.GoalOrderPlaced);
        Assert.True(plan.Trigger.FirstOrder);
        Assert.Null(plan.ReentryDays);
    }

    [Fact]
    public void Every_problem_is_named_by_its_path()
    {
        var errors = Problems("""
            {"trigger": {"kind": "SOMETIMES"}, "entry": "AGAIN_AFTER", "goal": "RICHES", "timeZone": "Mars/Olympus", "holdoutPercent": 80,
             "steps": [
                {"type": "WAIT", "amount": 0, "unit": "DAYS"},
                {"type": "WAIT", "untilTime": "25:00"},
                {"type": "SEND", "message": "Hi {{nickname}}"},
                {"type": "BRANCH", "yes": []},
                {"type": "SPLIT", "paths": [{"share": 50, "steps": []}, {"share": 40, "steps": []}]},
                {"type": "JUMP"}
             ]}
            """);
        var fields = errors.Select(e => e.Field).ToList();
        Assert.Contains("definition.trigger.kind", fields);
        Assert.Contains("definition.reentryDays", fields);
        Assert.Contains("definition.goal", fields);
        Assert.Contains("definition.timeZone", fields);
        Assert.Contains("definition.holdoutPercent", fields);
        Assert.Contains("definition.steps[0].amount", fields);
        Assert.Contains(errors, e => e.Field == "definition.steps[0].amount" && e.Message.StartsWith("How many days: a whole number from 1"));
        Assert.Contains("definition.steps[1].untilTime", fields);
        Assert.Contains("definition.steps[2].message", fields);
        Assert.Contains("definition.steps[3]", fields);
        Assert.Contains("definition.steps[4].paths", fields);
        Assert.Contains("definition.steps[5].type", fields);
        Assert.Contains(errors, e => e.Message.Contains("add up to 90%"));
    }

    [Fact]
    public void A_journey_needs_a_trigger_and_a_message_and_an_audience_trigger_needs_its_audience()
    {
        Assert.Contains(Problems("""{"steps": [{"type": "SEND", "message": "Hi"}]}"""), e => e.Field == "definition.trigger");
        Assert.Contains(Problems("""{"trigger": {"kind": "CUSTOMER_CREATED"}, "steps": [{"type": "WAIT", "amount": 1, "unit": "DAYS"}]}"""),
            e => e.Field == "definition.steps" && e.Message.Contains("SEND"));
        Assert.Contains(Problems("""{"trigger": {"kind": "AUDIENCE_ENTERED"}, "steps": [{"type": "SEND", "message": "Hi"}]}"""), e => e.Field == "definition.trigger.segmentId");
        Assert.Contains(Problems("""{"trigger": {"kind": "INACTIVE"}, "steps": [{"type": "SEND", "message": "Hi"}]}"""), e => e.Field == "definition.trigger.days");
        Assert.Contains(Problems("""{"trigger": {"kind": "CUSTOMER_CREATED", "minAmount": 5}, "steps": [{"type": "SEND", "message": "Hi"}]}"""), e => e.Field == "definition.trigger");
        var nested = string.Concat(Enumerable.Repeat("""{"type": "BRANCH", "orderedSinceEntry": true, "yes": [""", 6)) + """{"type": "SEND", "message": "deep"}""" + string.Concat(Enumerable.Repeat("]}", 6));
        Assert.Contains(Problems($$"""{"trigger": {"kind": "CUSTOMER_CREATED"}, "steps": [{{nested}}]}"""), e => e.Message.Contains("nest at most"));
        var many = string.Join(",", Enumerable.Repeat("""{"type": "SEND", "message": "Hi"}""", 61));
        Assert.Contains(Problems($$"""{"trigger": {"kind": "CUSTOMER_CREATED"}, "steps": [{{many}}]}"""), e => e.Message.Contains("at most 60 steps"));
    }

    [Fact]
    public void Entering_starts_at_the_first_step_and_a_first_wait_ends_after_its_duration()
    {
        var plan = Parse("""{"trigger": {"kind": "CUSTOMER_CREATED"}, "entry": "AGAIN_AFTER", "reentryDays": 30, "steps": [{"type": "WAIT", "amount": 1, "unit": "SECONDS"}, {"type": "SEND", "message": "Welcome"}]}""");
        var now = new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);
        Assert.Equal(("1", now.AddSeconds(1)), plan.Entry(now));
        Assert.Equal(now, plan.DueOnEntering(plan.Step("2"), now)); // anything but a wait runs at once
        Assert.Equal(30, plan.ReentryDays);
    }

    [Fact]
    public void A_wait_until_a_time_of_day_ends_at_the_next_such_time_in_the_journeys_time_zone()
    {
        var plan = Parse("""{"trigger": {"kind": "CUSTOMER_CREATED"}, "timeZone": "Asia/Kolkata", "steps": [{"type": "WAIT", "untilTime": "09:00"}, {"type": "SEND", "message": "Morning"}]}""");
        var wait = plan.Step("1");
        // 02:00 UTC is 07:30 in India: 09:00 there is 03:30 UTC the same day.
        Assert.Equal(new DateTimeOffset(2026, 12, 7, 3, 30, 0, TimeSpan.Zero), plan.DueOnEntering(wait, new DateTimeOffset(2026, 12, 7, 2, 0, 0, TimeSpan.Zero)));
        // 04:00 UTC is 09:30 there: tomorrow's 09:00.
        Assert.Equal(new DateTimeOffset(2026, 12, 8, 3, 30, 0, TimeSpan.Zero), plan.DueOnEntering(wait, new DateTimeOffset(2026, 12, 7, 4, 0, 0, TimeSpan.Zero)));

        // A browser's time input may send seconds: the wait ends on the minute.
        var seconds = Parse("""{"trigger": {"kind": "CUSTOMER_CREATED"}, "steps": [{"type": "WAIT", "untilTime": "10:30:00"}, {"type": "SEND", "message": "x"}]}""");
        Assert.Equal(new TimeOnly(10, 30), seconds.Step("1").UntilTime);

        // A time the clocks skip (02:30 on the spring-forward night in Berlin) is the first time after it.
        var berlin = Parse("""{"trigger": {"kind": "CUSTOMER_CREATED"}, "timeZone": "Europe/Berlin", "steps": [{"type": "WAIT", "untilTime": "02:30"}, {"type": "SEND", "message": "x"}]}""");
        var due = berlin.DueOnEntering(berlin.Step("1"), new DateTimeOffset(2027, 3, 27, 23, 0, 0, TimeSpan.Zero));
        Assert.Equal(new DateTimeOffset(2027, 3, 28, 1, 0, 0, TimeSpan.Zero), due); // 03:00 summer time
    }

    [Fact]
    public void A_split_sends_each_customer_down_one_path_in_about_its_share_and_always_the_same_one()
    {
        var plan = Parse("""{"trigger": {"kind": "CUSTOMER_CREATED"}, "steps": [{"type": "SPLIT", "paths": [{"share": 20, "steps": [{"type": "SEND", "message": "A"}]}, {"share": 80, "steps": [{"type": "SEND", "message": "B"}]}]}]}""");
        var journey = Guid.NewGuid();
        var customers = Enumerable.Range(0, 10_000).Select(_ => Guid.NewGuid()).ToList();
        var paths = customers.Select(c => JourneyPlan.PathOf(plan.Step("1"), JourneyPlan.SplitBucket(journey, "1", c))).ToList();
        var a = paths.Count(p => p == "1.a.1");
        Assert.InRange(a, 1_800, 2_200);
        Assert.Equal(10_000 - a, paths.Count(p => p == "1.b.1"));
        Assert.Equal(paths, customers.Select(c => JourneyPlan.PathOf(plan.Step("1"), JourneyPlan.SplitBucket(journey, "1", c))).ToList());
    }

    [Fact]
    public void A_stored_definition_reads_back_to_the_same_plan()
    {
        var json = """{"trigger": {"kind": "AUDIENCE_ENTERED", "rules": {"combinator": "AND", "rules": [{"attribute": "total_spend", "operator": ">", "value": 5000}]}}, "steps": [{"type": "SEND", "message": "Welcome to gold, {{name}}", "label": "Gold"}]}""";
        var stored = JourneyPlan.ToJson(Definition(json));
        var plan = Parse(stored);
        Assert.Equal(SegmentText.Describe(RuleGroupParser.Parse(JsonDocument.Parse("""{"combinator": "AND", "rules": [{"attribute": "total_spend", "operator": ">", "value": 5000}]}""").RootElement, [])!),
            SegmentText.Describe(plan.Trigger.Audience!));
        Assert.Equal("Gold", plan.Step("1").Label);
        Assert.Equal("Welcome to gold, {{name}}", plan.Step("1").Template!.Text);
        Assert.Equal("AUDIENCE_ENTERED", plan.Trigger.KindText);
    }
}
