using MiniCrm.Api.Auth;

namespace MiniCrm.Tests.Unit;

[Trait("Category", "Unit")]
public sealed class LocalUrlTests
{
    [Theory]
    [InlineData("/", true)]
    [InlineData("/campaigns/new?x=1", true)]
    [InlineData("~/campaigns", true)]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData("//example.com", false)]
    [InlineData("/\\example.com", false)]
    [InlineData("~//example.com", false)]
    [InlineData("https://example.com/", false)]
    [InlineData("example.com", false)]
    [InlineData("/\t/example.com", false)] // a browser drops the tab: //example.com
    [InlineData("/\n/example.com", false)]
    [InlineData("/\r/example.com", false)]
    [InlineData("/\u007f/example.com", false)]
    [InlineData("/\u0085/example.com", false)]
    public void Only_a_path_on_this_site_is_local(string? url, bool local)
    {
        Assert.Equal(local, LocalUrl.IsLocal(url));
        Assert.Equal(local ? url : "/", LocalUrl.OrRoot(url));
    }
}
