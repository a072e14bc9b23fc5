using System.Globalization;
using System.Text.Json;
using MiniCrm.Api.Web.Support;
using MiniCrm.Core.Segments;

namespace MiniCrm.Tests.Unit;

/// <summary>The audience builder's model: what it sends is what the validator takes, and a saved or drafted group reads back.</summary>
[Trait("Category", "Unit")]
public sealed class AudienceDraftTests
{
    [Fact]
    public void A_nested_group_becomes_the_json_the_validator_takes_and_reads_back_the_same()
    {
        var group = new GroupDraft
        {
            Items =
            {
                new RuleDraft { Attribute = "city", Operator = "=", Value = " Pune " },
                new GroupDraft { Combinator = "OR", Items = { new RuleDraft { Attribute = "total_spend", Operator = ">", Value = "5000" }, new RuleDraft { Attribute = "visit", Operator = ">=", Value = "3" } } },
            },
        };

        var errors = new List<FieldError>();
        var parsed = RuleGroupParser.Parse(JsonSerializer.SerializeToElement(group.ToJson()), errors);
        Assert.Empty(errors);
        Assert.Equal("Customers in Pune and (whose total spend is more than 5000 or with at least 3 visits)", SegmentText.Describe(parsed!));

        var back = GroupDraft.From(group.ToJson());
        Assert.Equal(group.ToJson().ToJsonString(), back.ToJson().ToJsonString());
    }

    [Theory]
    [InlineData("de-DE", "1.234,5", 1234.5)]
    [InlineData("en-US", "1,234.5", 1234.5)]
    [InlineData("fr-FR", "12,5", 12.5)]
    [InlineData("de-DE", "500", 500)]
    public void Numbers_are_read_the_way_the_browser_writes_them(string culture, string typed, double expected)
    {
        var before = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo(culture);
        try
        {
            var json = new GroupDraft { Items = { new RuleDraft { Attribute = "total_spend", Operator = ">", Value = typed } } }.ToJson();
            Assert.Equal((decimal)expected, json["rules"]![0]!["value"]!.GetValue<decimal>());
        }
        finally
        {
            CultureInfo.CurrentCulture = before;
        }
    }

    [Fact]
    public void What_is_not_a_number_goes_as_typed_so_the_validator_names_it_beside_the_rule()
    {
        var json = new GroupDraft { Items = { new RuleDraft { Attribute = "visit", Operator = "<", Value = "lots" }, new RuleDraft { Attribute = "visit", Operator = "<", Value = "" } } }.ToJson();
        var errors = new List<FieldError>();
        Assert.Null(RuleGroupParser.Parse(JsonSerializer.SerializeToElement(json), errors));
        Assert.Contains(errors, e => e.Field == "rules.rules[0].value" && e.Message.Contains("takes a number", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Field == "rules.rules[1].value" && e.Message == "Required.");
    }

    [Fact]
    public void A_city_offers_only_is_and_is_not_and_switching_to_it_keeps_the_rule_valid()
    {
        var rule = new RuleDraft { Attribute = "total_spend", Operator = ">" };
        Assert.Equal([">", "<", "=", ">=", "<=", "!="], rule.Operators);
        rule.SetAttribute("city");
        Assert.Equal(["=", "!="], rule.Operators);
        Assert.Equal("=", rule.Operator);
        Assert.False(rule.IsNumeric);
    }
}
