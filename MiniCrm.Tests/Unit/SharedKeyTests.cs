using MiniCrm.ServiceDefaults.Operations;

namespace MiniCrm.Tests.Unit;

[Trait("Category", "Unit")]
public sealed class SharedKeyTests
{
    [Theory]
    [InlineData("s3cret-key", "s3cret-key", true)]
    [InlineData("s3cret-key", "s3cret-kez", false)]
    [InlineData("s3cret-key", "s3cret", false)]
    [InlineData("s3cret-key", "", false)]
    [InlineData("s3cret-key", null, false)]
    [InlineData("", "", false)]
    [InlineData(null, null, false)]
    public void Only_the_configured_key_matches_and_an_unset_key_matches_nothing(string? configured, string? presented, bool matches) =>
        Assert.Equal(matches, SharedKey.Matches(configured, presented));
}
