using MiniCrm.Core.Ai;
using MiniCrm.Core.Campaigns;
using MiniCrm.Core.Segments;

namespace MiniCrm.Tests.Unit;

[Trait("Category", "Unit")]
public sealed class MessageSuggestionsTests
{
    [Theory]
    [InlineData("Diwali dhamaka", "Festive offer for our regulars, 20% off", "Diwali", "20% off")]
    [InlineData("Come back", "Win back customers who have not ordered in 90 days", "miss you", null)]
    [InlineData("Thanks", "Thank our loyal customers", "Thank you", null)]
    [InlineData("Monsoon drop", "Announce the new arrivals", "new", null)]
    [InlineData("Weekend sale", "15 percent discount on kurtas", "15% off", null)]
    [InlineData("Hello", null, "{{name}}", null)]
    public void Three_valid_templates_come_from_the_objectives_occasion(string name, string? objective, string expected, string? alsoExpected)
    {
        var suggestions = MessageSuggestions.Suggest(name, objective);
        Assert.Equal(MessageSuggestions.Count, suggestions.Count);
        Assert.Equal(suggestions.Count, suggestions.Distinct().Count());
        Assert.Contains(suggestions, s => s.Contains(expected, StringComparison.OrdinalIgnoreCase));
        if (alsoExpected is not null)
        {
            Assert.Contains(suggestions, s => s.Contains(alsoExpected, StringComparison.Ordinal));
        }

        Assert.All(suggestions, s =>
        {
            var errors = new List<FieldError>();
            Assert.NotNull(MessageTemplate.Parse(s, errors));
            Assert.Empty(errors);
            Assert.Contains("{{name}}", s);
        });
    }

    [Theory]
    [InlineData("Hi {{ Name }}, welcome", "Hi {{name}}, welcome")]
    [InlineData("Hi {{name}} from {{CITY}}", "Hi {{name}} from {{city}}")]
    [InlineData("Hi {{last_name}}", null)]
    [InlineData("Hi {{name}", null)]
    [InlineData("   ", null)]
    public void A_suggestion_with_a_loose_placeholder_is_repaired_and_one_with_an_unknown_placeholder_is_dropped(string suggestion, string? kept) =>
        Assert.Equal(kept, MessageSuggestions.Keep(suggestion));
}
