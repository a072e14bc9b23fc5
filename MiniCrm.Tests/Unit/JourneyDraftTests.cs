using MiniCrm.Api.Web.Support;

namespace MiniCrm.Tests.Unit;

/// <summary>The journey builder's model: what a change of start does to the steps' messages.</summary>
[Trait("Category", "Unit")]
public sealed class JourneyDraftTests
{
    [Fact]
    public void A_new_journey_switched_to_an_order_start_suggests_a_thank_you_not_a_welcome()
    {
        var draft = JourneyDraft.Welcome();
        Assert.StartsWith("Welcome", Sent(draft));

        draft.ChangeTrigger("ORDER_PLACED");
        Assert.Equal("ORDER_PLACED", draft.Trigger);
        Assert.StartsWith("Thank you for your order", Sent(draft));
        Assert.Contains("{{unsubscribe_url}}", Sent(draft));

        draft.ChangeTrigger("INACTIVE");
        Assert.StartsWith("We miss you", Sent(draft));
    }

    [Fact]
    public void A_message_the_marketer_wrote_stays_when_the_start_changes()
    {
        var draft = JourneyDraft.Welcome();
        draft.Steps[1].Message = "Hello {{name}}, our own words";

        draft.ChangeTrigger("ORDER_PLACED");
        Assert.Equal("ORDER_PLACED", draft.Trigger);
        Assert.Equal("Hello {{name}}, our own words", Sent(draft));
    }

    [Theory]
    [InlineData("12", 0, 12)]
    [InlineData("1.5", 0, 0)]
    [InlineData("two", 0, 0)]
    [InlineData("", 0, 0)]
    [InlineData("12.5", -1, -1)]
    public void A_number_field_keeps_a_whole_number_and_turns_anything_else_into_one_the_validator_refuses(string typed, int refused, int kept) =>
        Assert.Equal(kept, JourneyDraft.Whole(typed, refused));

    private static string Sent(JourneyDraft draft) => draft.Steps.Single(s => s.Type == "SEND").Message;
}
