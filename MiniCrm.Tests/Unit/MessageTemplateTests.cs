using MiniCrm.Core.Campaigns;

namespace MiniCrm.Tests.Unit;

/// <summary>The message template's renderer: one pass, so what a customer's fields hold is never read as a placeholder.</summary>
[Trait("Category", "Unit")]
public sealed class MessageTemplateTests
{
    private static readonly MessageTemplate Template = MessageTemplate.Parse("Hi {{ first_name }} ({{name}}) of {{city}}: {{email}} {{phone}} {{unsubscribe_url}}", [])!;

    [Fact]
    public void A_placeholder_inside_a_customers_field_stays_text()
    {
        Assert.Equal("Hi {{email}} ({{email}} Hacker) of Del{{city}}hi: a@example.com  https://x/u/t",
            Template.Render("{{email}} Hacker", "a@example.com", "Del{{city}}hi", null, "https://x/u/t"));
        Assert.Equal("Hi O'Brien (O'Brien \\ \"Bob\" $1) of : b@example.com 9876543210 ",
            Template.Render("O'Brien \\ \"Bob\" $1", "b@example.com", null, "9876543210"));
    }

    [Fact]
    public void The_sql_form_joins_the_text_around_each_placeholder_and_holds_no_text_of_the_message()
    {
        Assert.Equal(["Hi ", " (", ") of ", ": ", " ", " ", ""], Template.SqlParts);
        var sql = Template.SqlExpression("@parts");
        Assert.StartsWith("((@parts)[1] || split_part(c.name, ' ', 1) || (@parts)[2] || c.name || ", sql);
        Assert.DoesNotContain("Hi", sql);
        Assert.Equal(["no placeholders"], MessageTemplate.Parse("no placeholders", [])!.SqlParts);
    }
}
