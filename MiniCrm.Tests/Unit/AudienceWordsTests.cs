using System.Globalization;
using MiniCrm.Core.Ai;
using MiniCrm.Core.Segments;

namespace MiniCrm.Tests.Unit;

/// <summary>The offline rules-from-words: plain descriptions of audiences, and the rule groups they mean.</summary>
[Trait("Category", "Unit")]
public sealed class AudienceWordsTests
{
    public static TheoryData<string, string> Descriptions => new()
    {
        { "customers who spent over 5000", "AND(total_spend>5000)" },
        { "spent more than ₹10,000", "AND(total_spend>10000)" },
        { "spend at least 10k", "AND(total_spend>=10000)" },
        { "customers whose total spend is under Rs. 2,500", "AND(total_spend<2500)" },
        { "spent less than 1.5 lakh", "AND(total_spend<150000)" },
        { "spent between 1 lakh and 2 lakh", "AND(total_spend>=100000, total_spend<=200000)" },
        { "spend between 5,000 and 20,000 rupees", "AND(total_spend>=5000, total_spend<=20000)" },
        { "people who spent no more than 3 thousand", "AND(total_spend<=3000)" },
        { "spent above $500", "AND(total_spend>500)" },
        { "more than 3 visits", "AND(visit>3)" },
        { "fewer than 2 orders", "AND(visit<2)" },
        { "at least 5 orders", "AND(visit>=5)" },
        { "visited more than 10 times", "AND(visit>10)" },
        { "customers with visits of at most 4", "AND(visit<=4)" },
        { "between 2 and 5 visits", "AND(visit>=2, visit<=5)" },
        { "customers in Pune", "AND(city=Pune)" },
        { "from mumbai", "AND(city=Mumbai)" },
        { "in PUNE or Mumbai", "OR(city=Pune, city=Mumbai)" },
        { "customers from Delhi, Mumbai and Bangalore", "OR(city=Delhi, city=Mumbai, city=Bangalore)" },
        { "not in Delhi", "AND(city!=Delhi)" },
        { "outside Mumbai or Pune", "AND(city!=Mumbai, city!=Pune)" },
        { "living in new delhi", "AND(city=New Delhi)" },
        { "haven't ordered for 90 days", "AND(last_order_date>90)" },
        { "have not ordered in 3 months", "AND(last_order_date>90)" },
        { "inactive for 6 weeks", "AND(last_order_date>42)" },
        { "no orders in the last 2 months", "AND(last_order_date>60)" },
        { "hasn't bought anything for a year", "AND(last_order_date>365)" },
        { "ordered in the last 30 days", "AND(last_order_date<=30)" },
        { "bought something within the past 2 weeks", "AND(last_order_date<=14)" },
        { "never ordered", "AND(visit=0)" },
        { "customers without any orders", "AND(visit=0)" },
        { "customers in Pune who spent over 5000", "AND(city=Pune, total_spend>5000)" },
        { "spent over 5000 and more than 3 visits", "AND(total_spend>5000, visit>3)" },
        { "in Pune or spent more than 20k", "OR(city=Pune, total_spend>20000)" },
        { "in Pune and spent over 5000 or more than 10 visits", "OR(AND(city=Pune, total_spend>5000), visit>10)" },
        { "either in Pune or spent over 5000, and haven't ordered for 60 days", "AND(OR(city=Pune, total_spend>5000), last_order_date>60)" },
        { "customers in Mumbai or Pune who haven't ordered in 3 months", "AND(OR(city=Mumbai, city=Pune), last_order_date>90)" },
        { "high value: spent at least ₹50,000 in total and not in Delhi", "AND(total_spend>=50000, city!=Delhi)" },
        { "ordered in the last 7 days or never ordered", "OR(last_order_date<=7, visit=0)" },
        { "spent over 2k, more than 2 orders, from Chennai", "AND(total_spend>2000, visit>2, city=Chennai)" },
        { "Customers From HYDERABAD With Fewer Than 3 Visits", "AND(city=Hyderabad, visit<3)" },
        { "either from Kolkata or from Jaipur", "OR(city=Kolkata, city=Jaipur)" },
        { "dormant for over 4 months and spent more than 10000", "AND(last_order_date>120, total_spend>10000)" },
    };

    [Theory]
    [MemberData(nameof(Descriptions))]
    public void A_plain_description_parses_into_the_rule_group_it_means(string words, string expected)
    {
        var parsed = AudienceWords.Parse(words);
        Assert.Equal(expected, Show(parsed.Rules));
        // The answer passes the same validator as a rule group a marketer builds.
        var errors = new List<FieldError>();
        using var json = System.Text.Json.JsonDocument.Parse(SegmentText.ToJson(parsed.Rules).ToJsonString());
        Assert.NotNull(RuleGroupParser.Parse(json.RootElement, errors));
        Assert.Empty(errors);
    }

    [Fact]
    public void There_are_at_least_forty_descriptions() => Assert.True(Descriptions.Count + ReadWithKnownCities.Count >= 60);

    private static readonly HashSet<string> Cities = ["mumbai", "pune", "chennai", "delhi", "new delhi", "kolkata", "bengaluru"];

    /// <summary>
    /// Descriptions a first-time marketer typed that the reader once got wrong (the first three: an exclusion read as its
    /// opposite, a city and a condition dropped), and more like them: negations, exclusions, numbers in words, cities
    /// before "customers". The customers' cities are known, as the Api knows them.
    /// </summary>
    public static TheoryData<string, string> ReadWithKnownCities => new()
    {
        { "everyone except those in Chennai", "AND(city!=Chennai)" },
        { "Mumbai customers with more than 2 visits and spend above 3000", "AND(city=Mumbai, visit>2, total_spend>3000)" },
        { "spent over 5k and visited more than twice", "AND(total_spend>5000, visit>2)" },
        { "everyone except those in Chennai or Pune", "AND(city!=Chennai, city!=Pune)" },
        { "all customers other than Mumbai customers", "AND(city!=Mumbai)" },
        { "customers in Pune except those who spent over 5000", "AND(city=Pune, total_spend<=5000)" },
        { "spent over 10000 excluding Delhi and Mumbai", "AND(total_spend>10000, city!=Delhi, city!=Mumbai)" },
        { "customers who did not spend more than 500", "AND(total_spend<=500)" },
        { "customers who have not visited more than 3 times", "AND(visit<=3)" },
        { "in Pune but not those who ordered in the last 30 days", "AND(city=Pune, last_order_date>30)" },
        { "everyone except customers who never ordered", "AND(visit!=0)" },
        { "customers who spent over 5000 but not more than 3 visits", "AND(total_spend>5000, visit<=3)" },
        { "apart from Kolkata, everyone who spent over 1 lakh", "AND(city!=Kolkata, total_spend>100000)" },
        { "new delhi customers who haven't ordered in 2 months", "AND(city=New Delhi, last_order_date>60)" },
        { "ordered at least once", "AND(visit>=1)" },
        { "spent between two thousand and five thousand", "AND(total_spend>=2000, total_spend<=5000)" },
        { "more than three orders", "AND(visit>3)" },
        { "spent over five hundred rupees", "AND(total_spend>500)" },
        { "bengaluru shoppers who spent at least 2k", "AND(city=Bengaluru, total_spend>=2000)" },
        { "customers excluding those who spent under 1000", "AND(total_spend>=1000)" },
        { "everyone in Chennai except those inactive for 90 days", "AND(city=Chennai, last_order_date<=90)" },
        { "Pune or Chennai customers who spent over 2000", "AND(OR(city=Pune, city=Chennai), total_spend>2000)" },
        { "customers in Pune minus those who spent over 5000", "AND(city=Pune, total_spend<=5000)" },
        // Found in a first-time walk: each read the opposite audience before.
        { "exclude customers from Chennai", "AND(city!=Chennai)" },
        { "customers who did not visit more than 2 times", "AND(visit<=2)" },
        { "customers in Chennai who didn't spend over 1000", "AND(city=Chennai, total_spend<=1000)" },
        { "non-Mumbai customers", "AND(city!=Mumbai)" },
        { "everyone, leaving out those who spent over 5000", "AND(total_spend<=5000)" },
        { "customers who don't visit more than 3 times", "AND(visit<=3)" },
    };

    [Theory]
    [MemberData(nameof(ReadWithKnownCities))]
    public void Negations_exclusions_and_known_cities_mean_what_they_say(string words, string expected)
    {
        var parsed = AudienceWords.Parse(words, Cities);
        Assert.Equal(expected, Show(parsed.Rules));
        Assert.Empty(parsed.Unused);
    }

    [Fact]
    public void A_word_before_customers_is_a_city_only_when_a_customer_lives_there_and_otherwise_it_is_reported()
    {
        var loyal = AudienceWords.Parse("loyal customers in Pune", Cities);
        Assert.Equal("AND(city=Pune)", Show(loyal.Rules));
        Assert.Equal(["loyal"], loyal.Unused);

        // Without the customers' cities, "Mumbai" is not guessed at: it is reported, so nothing is counted as if it were the audience.
        var unknown = AudienceWords.Parse("Mumbai customers with more than 2 visits");
        Assert.Equal("AND(visit>2)", Show(unknown.Rules));
        Assert.Equal(["mumbai"], unknown.Unused);

        // A "not" that reaches no condition is not dropped in silence.
        Assert.Contains("not", AudienceWords.Parse("customers not interested in cricket").Unused);
    }

    [Fact]
    public void Turning_a_condition_round_swaps_each_comparison_and_and_with_or()
    {
        var group = new RuleGroup(Combinator.And,
        [
            new Rule(SegmentAttribute.TotalSpend, ComparisonOperator.GreaterThan, 5000m),
            new RuleGroup(Combinator.Or, [new Rule(SegmentAttribute.City, ComparisonOperator.Equal, "Pune"), new Rule(SegmentAttribute.Visit, ComparisonOperator.LessThan, 2m)]),
        ]);
        Assert.Equal("OR(total_spend<=5000, AND(city!=Pune, visit>=2))", Show(AudienceWords.Negate(group)));
        Assert.Equal(Show(group), Show(AudienceWords.Negate(AudienceWords.Negate(group))));
    }

    [Fact]
    public void Words_it_cannot_use_are_reported_and_nothing_is_made_up()
    {
        var parsed = AudienceWords.Parse("customers who love cricket and spent over 5000");
        Assert.Equal("AND(total_spend>5000)", Show(parsed.Rules));
        Assert.Equal(["love", "cricket"], parsed.Unused);

        var nothing = AudienceWords.Parse("people who like blue");
        Assert.False(nothing.Understood);
        Assert.Equal(["like", "blue"], nothing.Unused);
    }

    private static string Show(SegmentNode node) => node switch
    {
        RuleGroup g => $"{(g.Combinator == Combinator.And ? "AND" : "OR")}({string.Join(", ", g.Rules.Select(Show))})",
        Rule r => SegmentVocabulary.NameOf(r.Attribute) + SegmentVocabulary.SymbolOf(r.Operator) +
                  (r.Value is decimal d ? d.ToString("0.##", CultureInfo.InvariantCulture) : r.Value),
        _ => "?",
    };
}
