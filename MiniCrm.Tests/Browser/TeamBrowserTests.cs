using System.Text.RegularExpressions;
using Microsoft.Playwright;
using MiniCrm.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace MiniCrm.Tests.Browser;

/// <summary>
/// Roles in the browser: an Analyst reads campaigns but has nothing to launch with (and the API refuses the same session);
/// an Admin's role change on the Team page reaches the member's open page within a minute; the Audit page shows it all.
/// Each person signs in through the sign-in page with the role they pick (Development).
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class TeamBrowserTests(AppHostFixture fixture, BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task An_analyst_cannot_launch_and_an_admins_role_change_reaches_an_open_page()
    {
        await IngestDriver.EnsureCustomersAsync(fixture, 10);
        var tag = Guid.NewGuid().ToString("N")[..8];

        // An Analyst: campaigns to read, nothing to launch with; the API says 403 to the same session.
        await using var analystBrowser = await browser.AnonymousAsync();
        var analyst = await SignInAsAsync(analystBrowser, $"ana.{tag}@{AppHostFixture.AllowedDomain}", "Ana Lyst", "Analyst");
        await Expect(analyst.GetByRole(AriaRole.Heading, new() { Name = "What your campaigns earned", Level = 1 })).ToBeVisibleAsync();
        await analyst.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Campaigns" }).ClickAsync();
        await Expect(analyst.GetByRole(AriaRole.Heading, new() { Name = "Campaigns", Level = 1 })).ToBeVisibleAsync();
        await Expect(analyst.GetByTestId("user-role")).ToHaveTextAsync("Analyst");
        await Expect(analyst.GetByTestId("new-campaign")).ToHaveCountAsync(0);
        await Expect(analyst.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "New campaign" })).ToHaveCountAsync(0);
        await Expect(analyst.GetByRole(AriaRole.Link, new() { Name = "Team" })).ToHaveCountAsync(0);
        var status = await analyst.EvaluateAsync<int>(
            "async () => (await fetch('/api/campaigns', { method: 'POST', headers: { 'Content-Type': 'application/json' }, " +
            "body: JSON.stringify({ name: 'Not mine to send', rules: { combinator: 'AND', rules: [] }, message: 'Hi {{name}}' }) })).status");
        Assert.Equal(403, status);
        await BrowserFixture.CheckAsync(analyst, "roles-analyst-campaigns-desktop");
        await analyst.GotoAsync(BrowserFixture.Url(fixture, "/campaigns/new"));
        await BrowserFixture.WaitInteractiveAsync(analyst);
        await Expect(analyst.GetByRole(AriaRole.Alert)).ToContainTextAsync("needs the Marketer role");

        // A Marketer with a customer's page open.
        var marketerEmail = $"mark.{tag}@{AppHostFixture.AllowedDomain}";
        await using var marketerBrowser = await browser.AnonymousAsync();
        var marketer = await SignInAsAsync(marketerBrowser, marketerEmail, "Mark Eter", "Marketer");
        await Expect(marketer.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "New campaign" })).ToBeVisibleAsync();
        var customer = await fixture.ScalarAsync<Guid>("SELECT id FROM customers WHERE unsubscribed_at IS NULL ORDER BY created_at DESC LIMIT 1");
        await marketer.GotoAsync(BrowserFixture.Url(fixture, $"/customers/{customer}"));
        await BrowserFixture.WaitInteractiveAsync(marketer);
        var newCampaign = marketer.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "New campaign" });
        await Expect(newCampaign).ToBeVisibleAsync();

        // An Admin makes them an Analyst on the Team page.
        var adminEmail = $"adam.{tag}@{AppHostFixture.AllowedDomain}";
        await using var adminBrowser = await browser.AnonymousAsync();
        var admin = await SignInAsAsync(adminBrowser, adminEmail, "Adam Min", "Admin");
        await admin.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Team" }).ClickAsync();
        await Expect(admin.GetByRole(AriaRole.Heading, new() { Name = "Team", Level = 1 })).ToBeVisibleAsync();
        var row = admin.Locator($"[data-testid=member][data-email='{marketerEmail}']");
        await Expect(row.GetByTestId("member-role")).ToHaveValueAsync("Marketer");
        await BrowserFixture.CheckAsync(admin, "team-desktop");
        await row.GetByTestId("member-role").SelectOptionAsync("Analyst");
        await Expect(admin.GetByRole(AriaRole.Dialog)).ToContainTextAsync("Their sessions end within a minute");
        await BrowserFixture.CheckAsync(admin, "team-confirm-role-desktop");
        await admin.GetByTestId("confirm-role").ClickAsync();
        await Expect(admin.GetByTestId("team-notice")).ToContainTextAsync("Mark Eter is now an Analyst");
        await Expect(admin.Locator($"[data-testid=member][data-email='{marketerEmail}']").GetByTestId("member-role")).ToHaveValueAsync("Analyst");

        // The open page's next change is refused at once (its session ended), and the page loses its launch link within a minute.
        await marketer.GetByRole(AriaRole.Button, new() { Name = "Unsubscribe them" }).ClickAsync();
        await Expect(marketer.GetByRole(AriaRole.Alert)).ToContainTextAsync("Your session has ended");
        Assert.Equal(0L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM customers WHERE id = '{customer}' AND unsubscribed_at IS NOT NULL"));
        await Expect(newCampaign).ToHaveCountAsync(0, new() { Timeout = 60_000 });
        await Expect(marketer).ToHaveURLAsync(new Regex("/signin"), new() { Timeout = 10_000 });
        await Expect(marketer.GetByTestId("session-ended")).ToContainTextAsync("changed your role");
        await marketer.GetByLabel("Email").FillAsync(marketerEmail);
        await marketer.GetByLabel("Role").SelectOptionAsync("Analyst");
        await marketer.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await BrowserFixture.WaitInteractiveAsync(marketer);
        await Expect(marketer.GetByTestId("user-role")).ToHaveTextAsync("Analyst");
        await Expect(marketer.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "New campaign" })).ToHaveCountAsync(0);

        // Every change is on the Audit page: the role change by the admin, each sign-in.
        await admin.GetByRole(AriaRole.Link, new() { Name = "Audit" }).First.ClickAsync();
        await Expect(admin.GetByRole(AriaRole.Heading, new() { Name = "Audit trail", Level = 1 })).ToBeVisibleAsync();
        await admin.GetByLabel("Who").FillAsync(tag);
        var rows = admin.GetByTestId("audit-row");
        await Expect(rows.And(admin.Locator("[data-action='team.role']"))).ToHaveCountAsync(1);
        await Expect(rows.And(admin.Locator("[data-action='team.role']"))).ToContainTextAsync("Marketer → Analyst");
        await Expect(rows.And(admin.Locator("[data-action='user.sign_in']"))).ToHaveCountAsync(4); // Ana, Mark twice, Adam
        await BrowserFixture.CheckAsync(admin, "audit-desktop");

        // The filter is in the address: the same trail opens from a link.
        await Expect(admin).ToHaveURLAsync(new Regex($"/audit\\?user={tag}$"));
        var linked = await BrowserFixture.OpenAsync(adminBrowser, fixture, $"/audit?user={tag}&action=team.role");
        await Expect(linked.GetByLabel("Who")).ToHaveValueAsync(tag);
        await Expect(linked.GetByTestId("audit-row")).ToHaveCountAsync(1);
        await linked.CloseAsync();

        // Mark leaves the company: removed from the team, his session ends and the sign-in page refuses him, saying why.
        await admin.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Team" }).ClickAsync();
        var leaving = admin.Locator($"[data-testid=member][data-email='{marketerEmail}']");
        await leaving.GetByTestId("remove-member").ClickAsync();
        await Expect(admin.GetByRole(AriaRole.Dialog)).ToContainTextAsync("cannot sign in again until an admin adds them back");
        await admin.GetByTestId("confirm-remove").ClickAsync();
        await Expect(admin.GetByTestId("team-notice")).ToContainTextAsync("is off the team: their sessions end within a minute");
        await Expect(leaving.GetByTestId("member-removed")).ToHaveTextAsync("Removed");
        await Expect(leaving.GetByTestId("restore-member")).ToBeVisibleAsync();
        await BrowserFixture.CheckAsync(admin, "team-removed-desktop");
        var signIn = await marketer.Context.NewPageAsync();
        await signIn.GotoAsync(BrowserFixture.Url(fixture, "/signin"));
        await signIn.GetByLabel("Email").FillAsync(marketerEmail);
        await signIn.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(signIn.Locator("[data-error]")).ToContainTextAsync("was removed from this CRM's team");
        await BrowserFixture.CheckAsync(signIn, "signin-removed");
        Assert.Equal(1L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM audit_events WHERE action = 'team.remove' AND detail = '{marketerEmail}'"));

        await using var phone = await browser.AnonymousAsync(BrowserFixture.Phone, storageState: await adminBrowser.StorageStateAsync());
        var team = await BrowserFixture.OpenAsync(phone, fixture, "/team");
        await Expect(team.GetByRole(AriaRole.Heading, new() { Name = "Team", Level = 1 })).ToBeVisibleAsync();
        await BrowserFixture.CheckAsync(team, "team-phone");
    }

    /// <summary>Signs in through the sign-in page as <paramref name="role"/>, and waits on the home page.</summary>
    private async Task<IPage> SignInAsAsync(IBrowserContext context, string email, string name, string role)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync(BrowserFixture.Url(fixture, "/"));
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Name").FillAsync(name);
        await page.GetByLabel("Role").SelectOptionAsync(role);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(BrowserFixture.Url(fixture, "/"), new() { Timeout = 30_000 });
        await BrowserFixture.WaitInteractiveAsync(page);
        return page;
    }
}
