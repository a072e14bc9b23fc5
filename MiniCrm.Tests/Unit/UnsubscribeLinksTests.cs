using MiniCrm.Core.Consent;

namespace MiniCrm.Tests.Unit;

[Trait("Category", "Unit")]
public sealed class UnsubscribeLinksTests
{
    private const string Key = "the link key";

    [Fact]
    public void A_link_names_its_customer_only_under_its_own_key()
    {
        var customer = Guid.NewGuid();
        var token = UnsubscribeLinks.Token(customer, Key);
        Assert.Equal(43, token.Length);
        Assert.Matches("^[A-Za-z0-9_-]+$", token);
        Assert.Equal(customer, UnsubscribeLinks.Verify(token, Key));
        Assert.Null(UnsubscribeLinks.Verify(token, "another key"));
        Assert.Null(UnsubscribeLinks.Verify(token, ""));
        Assert.NotEqual(token, UnsubscribeLinks.Token(Guid.NewGuid(), Key));
        Assert.Equal($"https://crm.example.com/u/{token}", UnsubscribeLinks.Url("https://crm.example.com/", customer, Key));
    }

    [Fact]
    public void A_link_changed_in_any_place_names_nobody()
    {
        for (var i = 0; i < 200; i++)
        {
            var token = UnsubscribeLinks.Token(Guid.NewGuid(), Key);
            for (var position = 0; position < token.Length; position++)
            {
                // The last character's spare bits too: B differs from A only there.
                var changed = token[..position] + (token[position] == 'A' ? 'B' : 'A') + token[(position + 1)..];
                Assert.Null(UnsubscribeLinks.Verify(changed, Key));
            }
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("short")]
    [InlineData("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!")]
    public void Garbage_names_nobody(string? token) => Assert.Null(UnsubscribeLinks.Verify(token, Key));
}
