using System.Net;
using System.Net.Http.Json;
using MiniCrm.Tests.Infrastructure;

namespace MiniCrm.Tests.Security;

/// <summary>Issue 21, finding 8: signing out ends the session on the server, not only in the browser that asked.</summary>
[Collection(AppHostCollection.Name)]
public sealed class SessionTests(AppHostFixture fixture)
{
    [Fact]
    public async Task Signing_out_ends_every_session_of_the_account_a_copied_cookie_included()
    {
        var email = $"copied.cookie.{Guid.NewGuid():N}@minicrm.test";
        var cookie = await fixture.SignInAsync(email, "Copied Cookie");
        var other = await fixture.SignInAsync(email, "Copied Cookie"); // the same account in another browser

        using var original = fixture.AnonymousApi();
        original.DefaultRequestHeaders.Add("Cookie", cookie);
        using var copy = fixture.AnonymousApi();
        copy.DefaultRequestHeaders.Add("Cookie", cookie);
        using var elsewhere = fixture.AnonymousApi();
        elsewhere.DefaultRequestHeaders.Add("Cookie", other);
        Assert.Equal(HttpStatusCode.OK, (await copy.GetAsync("/api/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await elsewhere.GetAsync("/api/me")).StatusCode);

        using var signOut = await original.PostAsync("/auth/signout", null);
        Assert.Equal(HttpStatusCode.NoContent, signOut.StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await copy.GetAsync("/api/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await elsewhere.GetAsync("/api/me")).StatusCode);
        using var launch = await copy.PostAsJsonAsync("/api/campaigns/check", new { name = "After sign-out" });
        Assert.Equal(HttpStatusCode.Unauthorized, launch.StatusCode);

        // Signing in again starts a new session that works.
        using var again = fixture.AnonymousApi();
        again.DefaultRequestHeaders.Add("Cookie", await fixture.SignInAsync(email, "Copied Cookie"));
        Assert.Equal(HttpStatusCode.OK, (await again.GetAsync("/api/me")).StatusCode);
    }
}
