using MiniCrm.Core.Ai;

namespace MiniCrm.Tests.Unit;

[Trait("Category", "Unit")]
public sealed class CampaignFactsTests
{
    private static readonly CampaignFacts Diwali = new("Diwali 2026", 12_480, 11_210, 1_270,
        [new("Number unreachable", 900), new("HTTP 503 from the carrier", 370)]);

    [Fact]
    public void The_offline_summary_states_reach_counts_rate_and_reasons()
    {
        Assert.Equal(89.8m, Diwali.SuccessRate);
        Assert.Equal("Diwali 2026 went to 12480 customers: 11210 delivered and 1270 failed, a delivery success rate of 89.8%. " +
                     "The failures were: Number unreachable (900), HTTP 503 from the carrier (370).", Diwali.Render());
        Assert.Equal("Quiet went to 3 customers: 3 delivered and 0 failed, a delivery success rate of 100.0%.", new CampaignFacts("Quiet", 3, 3, 0, []).Render());
        Assert.Null(Diwali.Problem(Diwali.Render()));
    }

    [Fact]
    public void A_summary_names_the_most_frequent_reasons_and_counts_the_others_rather_than_leaving_them_out()
    {
        var facts = new CampaignFacts("Spring", 100, 80, 20,
            [new("Recipient mailbox unavailable", 7), new("Number not reachable", 6), new("Message blocked as spam", 3), new("Rejected by carrier", 2), new("Unknown", 2)]);
        Assert.Equal("Spring went to 100 customers: 80 delivered and 20 failed, a delivery success rate of 80.0%. The most frequent failures were: " +
                     "Recipient mailbox unavailable (7), Number not reachable (6), Message blocked as spam (3); 2 other reasons account for the other 4.", facts.Render());
        Assert.Null(facts.Problem(facts.Render()));
        Assert.Equal(facts.Failed, facts.Failures.Take(CampaignFacts.ReasonsNamed).Sum(f => f.Count) + facts.OtherFailures.Deliveries);

        // Four reasons are all named: "1 other reason" would hide one behind a count.
        var four = new CampaignFacts("Spring", 100, 80, 20,
            [new("Recipient mailbox unavailable", 7), new("Number not reachable", 6), new("Message blocked as spam", 4), new("Rejected by carrier", 3)]);
        Assert.EndsWith("The failures were: Recipient mailbox unavailable (7), Number not reachable (6), Message blocked as spam (4), Rejected by carrier (3).", four.Render());
        Assert.Null(four.Problem(four.Render()));
    }

    [Fact]
    public void When_more_kinds_of_reason_failed_than_are_listed_the_summary_counts_them_all()
    {
        // 150 kinds of reason, the 100 most frequent listed (as the facts' SQL lists them): the others still add up.
        var listed = Enumerable.Range(0, 100).Select(i => new FailureCount($"Reason {i}", i < 3 ? 10 : 2)).ToList();
        var facts = new CampaignFacts("Wide", 1000, 700, 300, listed, ReasonKinds: 150);
        Assert.Equal((147, 270), facts.OtherFailures);
        Assert.EndsWith("; 147 other reasons account for the other 270.", facts.Render());
        Assert.Null(facts.Problem(facts.Render()));
    }

    [Theory]
    [InlineData("Diwali 2026 reached 12,480 customers. 11,210 messages were delivered and 1,270 failed, a success rate of 89.8%. Most failures were unreachable numbers (900).")]
    [InlineData("Of 12480 customers, 11210 got the message (about 90%); 1270 did not. HTTP 503 errors from the carrier hit 370 of them.")]
    [InlineData("11210 of 12480 deliveries succeeded, a success rate of 89.8% with a failure rate of 10.2%!")]
    public void A_summary_that_states_only_the_campaigns_numbers_is_used(string summary) => Assert.Null(Diwali.Problem(summary));

    [Theory]
    [InlineData("Diwali 2026 reached 12,480 customers and 11,300 were delivered.", "11300")]
    [InlineData("The campaign reached 12480 customers with a 95% success rate. 11210 were delivered.", "95")]
    [InlineData("The campaign reached 12480 customers. Most of them got it.", "does not state the 11210 delivered")]
    [InlineData("One. Two 11210. Three. Four. Five.", "not 5")]
    [InlineData("Hi {{name}}, 11210 delivered.", "placeholders")]
    [InlineData("", "1 to 1000")]
    public void A_summary_with_numbers_the_campaign_does_not_have_or_without_its_delivered_count_is_refused(string summary, string reason) =>
        Assert.Contains(reason, Diwali.Problem(summary));

    /// <summary>Diwali's outcome once final: 1,121 of 11,210 messaged ordered, 100 of 1,248 held out.</summary>
    private static readonly OutcomeFacts Earned = new(7, 11_210, 1_121, 2_242_000m, 1_248, 100, 180_000m);

    [Fact]
    public void Once_final_the_offline_summary_says_what_the_campaign_earned_against_its_control_group()
    {
        var interval = MiniCrm.Core.Outcomes.Lift.ProportionDifference(1_121, 11_210, 100, 1_248);
        Assert.True(interval.Low > 0, "the example is a clear lift");
        Assert.Equal((10.0m, 8.0m, 2.0m), (Earned.Rate, Earned.HeldOutRate, Earned.LiftPoints));
        Assert.Equal(625_173.08m, Earned.IncrementalRevenue); // 2,242,000 − 180,000 × 11,210 ÷ 1,248
        var low = Math.Round((decimal)interval.Low * 100, 1, MidpointRounding.AwayFromZero);
        var high = Math.Round((decimal)interval.High * 100, 1, MidpointRounding.AwayFromZero);
        var facts = Diwali with { Outcome = Earned };
        Assert.Equal(Diwali.Render() + " Within 7 days of their message, 1,121 of the 11,210 customers it reached ordered (10.0%), for 2,242,000.00 in revenue; " +
                     $"of the 1,248 held out, 100 ordered (8.0%). A lift of +2.0 points, between +{low:0.0} and +{high:0.0}: the campaign made a difference, " +
                     "worth 625,173.08 beyond its control group.", facts.Render());
        Assert.Null(facts.Problem(facts.Render()));
    }

    [Fact]
    public void A_models_summary_may_state_the_outcome_only_once_it_is_final_and_only_its_numbers()
    {
        var final = Diwali with { Outcome = Earned };
        const string Said = "Diwali 2026 reached 11,210 of 12,480 customers (89.8%); 1,270 messages failed. Within 7 days 1,121 of them ordered, " +
                            "10.0% against 8.0% of the 1,248 held out: a lift of 2.0 points worth 625,173.08.";
        Assert.Null(final.Problem(Said));
        Assert.Contains("which is not in the campaign's numbers", Diwali.Problem(Said)); // before the results are final, the outcome's numbers are not the campaign's
        Assert.Contains("2.5", final.Problem(Said.Replace("2.0 points", "2.5 points"))); // an invented lift
        Assert.Contains("700000", final.Problem(Said.Replace("625,173.08", "700,000"))); // an invented revenue
    }

    [Fact]
    public void Without_a_control_group_or_with_small_groups_the_summary_claims_no_difference()
    {
        var none = new OutcomeFacts(3, 500, 40, 8_000m, 0, 0, 0m);
        Assert.Equal("Within 3 days of their message, 40 of the 500 customers it reached ordered (8.0%), for 8,000.00 in revenue; " +
                     "with no control group, how many would have ordered anyway is unknown.", none.Render());
        var small = new OutcomeFacts(1, 90, 30, 900m, 10, 1, 10m);
        Assert.Contains("The groups were too small to tell what the campaign changed (+23.3 points, between", small.Render());
        Assert.DoesNotContain("made a difference", small.Render());
        Assert.Equal("Within 1 day of their message, 30 of the 90", small.Render()[..43]);
    }

    /// <summary>A campaign cancelled before anything went out (or whose every delivery failed) with a control group: no interval, no claim.</summary>
    [Fact]
    public void With_nobody_messaged_the_outcome_says_so_and_claims_nothing()
    {
        var nobody = new OutcomeFacts(7, 0, 0, 0m, 40, 3, 150m);
        Assert.Null(nobody.Interval);
        Assert.Equal("No message was delivered, so no order is attributed to it; of the 40 held out, 3 ordered within 7 days (7.5%).", nobody.Render());
        var facts = new CampaignFacts("Stopped", 400, 0, 0, [], Cancelled: 400, Outcome: nobody);
        Assert.Null(facts.Problem(facts.Render()));
    }
}
