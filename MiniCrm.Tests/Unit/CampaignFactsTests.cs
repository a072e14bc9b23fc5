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
    [InlineData("", "1 to 700")]
    public void A_summary_with_numbers_the_campaign_does_not_have_or_without_its_delivered_count_is_refused(string summary, string reason) =>
        Assert.Contains(reason, Diwali.Problem(summary));
}
