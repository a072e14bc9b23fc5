using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using MiniCrm.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace MiniCrm.Tests.Browser;

/// <summary>A marketer builds a journey in the browser, tries it against the last 30 days, activates it, watches its counts move, pauses and resumes it.</summary>
[Collection(AppHostCollection.Name)]
public sealed class JourneyBrowserTests(AppHostFixture fixture, BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The message as changed just before activating.</summary>
    private const string Message = "Hello {{first_name}}, new this week, again: {{unsubscribe_url}}";

    /// <summary>The message of the version published while the journey is live.</summary>
    private const string Third = "Hello {{first_name}}, a third time: {{unsubscribe_url}}";

    [Fact]
    public async Task A_marketer_builds_dry_runs_activates_watches_pauses_and_resumes_a_journey()
    {
        var city = await TestCustomers.InNewCityAsync(fixture, "Builder", 12);
        using var api = fixture.Api();
        using var saved = await api.PostAsJsonAsync("/api/segments", new { name = "Builder " + city, rules = JourneyDriver.CityRules(city) });
        Assert.Equal(HttpStatusCode.Created, saved.StatusCode);
        var segment = (await saved.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("id").GetGuid();
        var name = "Hello " + city;
        // Another journey live on the same start (everyone in an audience, here one with nobody in it): activating says so.
        var alongside = await JourneyDriver.StartAsync(api, "Alongside " + city,
            new { trigger = new { kind = "AUDIENCE_NOW", rules = JourneyDriver.CityRules("Nowhere" + city) }, steps = new[] { JourneyDriver.Send("Hi") } });

        await using var context = await browser.SignedInAsync(fixture);
        var page = await BrowserFixture.OpenAsync(context, fixture, "/journeys");
        var browserDialogs = 0;
        page.Dialog += async (_, dialog) =>
        {
            browserDialogs++;
            await dialog.AcceptAsync();
        };
        await page.GetByTestId("new-journey").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "New journey", Level = 1 })).ToBeVisibleAsync();
        await BrowserFixture.WaitInteractiveAsync(page);

        // Everyone in the audience when activated; the suggested welcome's wait made 15 seconds; a message of our own.
        await page.GetByTestId("journey-name").FillAsync(name);
        await page.GetByTestId("trigger").SelectOptionAsync("AUDIENCE_NOW");
        await page.GetByTestId("audience").SelectOptionAsync(segment.ToString());
        await page.GetByTestId("wait-amount").FillAsync("15");
        await page.GetByTestId("wait-unit").SelectOptionAsync("SECONDS");
        await page.GetByTestId("send-message").FillAsync("Hello {{first_name}}, new this week: {{unsubscribe_url}}");
        await page.GetByTestId("send-message").BlurAsync();
        await page.GetByTestId("dry-run-button").ClickAsync();
        await Expect(page.GetByTestId("dry-run")).ToContainTextAsync("12 would have entered");
        await BrowserFixture.CheckAsync(page, "journey-builder");

        // A wait of 1.5 is not a whole number: the step's title does not repeat it, saving says why beside the button, and
        // nothing is saved (the 15 typed before is not quietly kept).
        await page.GetByTestId("wait-amount").FillAsync("1.5");
        await page.GetByTestId("wait-amount").BlurAsync();
        await page.GetByTestId("save-journey").ClickAsync();
        await Expect(page.GetByTestId("save-refused")).ToContainTextAsync("Not saved:");
        await Expect(page.Locator("[data-step='1'] .step-head strong")).ToHaveTextAsync("Wait");
        Assert.Equal(0L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM journeys WHERE name = '{name}'"));
        await page.GetByTestId("wait-amount").FillAsync("15");
        await page.GetByTestId("wait-amount").BlurAsync();
        await Expect(page.Locator("[data-step='1'] .step-head strong")).ToHaveTextAsync("Wait 15 seconds");

        await page.GetByTestId("save-journey").ClickAsync();
        await Expect(page.GetByTestId("activate")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        var journey = Guid.Parse(Regex.Match(page.Url, "/journeys/([0-9a-f-]{36})").Groups[1].Value);
        try
        {
            // A message changed and not saved when Activate is pressed: asked on the page, once for a double click, saying the
            // change is saved first; the confirmation double-clicked saves and activates once, and what went live is the change.
            await page.GetByTestId("send-message").FillAsync(Message);
            await page.GetByTestId("activate").DblClickAsync();
            await Expect(page.GetByRole(AriaRole.Dialog)).ToHaveCountAsync(1);
            await Expect(page.GetByRole(AriaRole.Dialog)).ToContainTextAsync("Everyone in its audience enters now");
            await Expect(page.GetByTestId("activate-saves")).ToContainTextAsync("what goes live is what you see");
            await Expect(page.GetByTestId("same-start")).ToContainTextAsync($"“Alongside {city}”");
            await BrowserFixture.CheckAsync(page, "journey-confirm-activate");
            await page.GetByTestId("confirm-activate").DblClickAsync();
            await Expect(page.GetByTestId("journey-status")).ToHaveTextAsync("Active");
            await Expect(page.GetByRole(AriaRole.Dialog)).ToHaveCountAsync(0);
            Assert.Equal(1L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM audit_events WHERE action = 'journey.activate' AND record_id = '{journey}'"));
            Assert.Contains("this week, again", await fixture.ScalarAsync<string>(
                $"SELECT v.definition::text FROM journeys j JOIN journey_versions v ON v.journey_id = j.id AND v.version = j.live_version WHERE j.id = '{journey}'"));

            // Version 1 can still be read from the versions: what it said, read only, and the way back to the latest.
            await page.GetByTestId("version").Filter(new() { HasText = "Version 1" }).GetByRole(AriaRole.Link).ClickAsync();
            await Expect(page.GetByTestId("older-version")).ToContainTextAsync("You are reading version 1");
            await Expect(page.GetByTestId("send-message")).ToHaveValueAsync("Hello {{first_name}}, new this week: {{unsubscribe_url}}");
            await Expect(page.GetByTestId("send-message")).ToBeDisabledAsync();
            await Expect(page.GetByTestId("pause")).ToHaveCountAsync(0);
            await BrowserFixture.CheckAsync(page, "journey-older-version");
            await page.GetByTestId("latest-version").ClickAsync();
            await Expect(page.GetByTestId("send-message")).ToHaveValueAsync(Message);
            await Expect(page.GetByTestId("older-version")).ToHaveCountAsync(0);
            // The counts follow on their own: twelve in, waiting in step 1.
            await Expect(page.GetByTestId("entered")).ToHaveTextAsync("12", new() { Timeout = 20_000 });
            await Expect(page.Locator("[data-step='1'] [data-testid=in-step]")).ToHaveTextAsync("12 here now");

            await page.GetByTestId("pause").ClickAsync();
            await Expect(page.GetByTestId("journey-status")).ToHaveTextAsync("Paused");
            await Expect(page.GetByTestId("acted")).ToContainTextAsync("nothing is sent until you resume");
            await BrowserFixture.CheckAsync(page, "journey-paused");
            await page.GetByTestId("resume").ClickAsync();
            await Expect(page.GetByTestId("journey-status")).ToHaveTextAsync("Active");

            // After the wait: every customer messaged once, the counts on the page as the API has them.
            await AppHostFixture.EventuallyAsync(async () => (await JourneyDriver.MessagesAsync(fixture, journey)).Count(m => m.Status is "SENT" or "FAILED") == 12,
                TimeSpan.FromSeconds(90), "12 messages with their receipts");
            var counts = (await JourneyDriver.GetAsync(api, journey)).GetProperty("journey").GetProperty("counts");
            await Expect(page.GetByTestId("completed")).ToHaveTextAsync("12", new() { Timeout = 10_000 });
            await Expect(page.GetByTestId("messages-sent")).ToHaveTextAsync(counts.GetProperty("messagesSent").GetInt64().ToString());
            await Expect(page.Locator("[data-step='2'] [data-testid=step-sent]")).ToHaveTextAsync($"{counts.GetProperty("messagesSent").GetInt64()} sent");
            await Expect(page.GetByTestId("history")).ToContainTextAsync("resuming a journey");
            await BrowserFixture.CheckAsync(page, "journey-done");

            var list = await BrowserFixture.OpenAsync(context, fixture, "/journeys");
            await Expect(list.GetByTestId("journey-row").Filter(new() { HasText = name })).ToContainTextAsync("Active");
            await BrowserFixture.CheckAsync(list, "journeys-list");

            // A campaign the journey's send step wrote (linked from a customer's page) says so and leads back to the journey.
            var sentBy = await fixture.ScalarAsync<Guid>($"SELECT id FROM campaigns WHERE journey_id = '{journey}' LIMIT 1");
            var written = await BrowserFixture.OpenAsync(context, fixture, $"/campaigns/{sentBy}");
            await Expect(written.GetByTestId("from-journey")).ToContainTextAsync("Sent by a journey's send step");
            await Expect(written.GetByTestId("from-journey").GetByRole(AriaRole.Link)).ToHaveAttributeAsync("href", $"/journeys/{journey}");
            await Expect(written.GetByTestId("launched-by")).ToHaveCountAsync(0);

            await using var phone = await browser.SignedInAsync(fixture, BrowserFixture.Phone);
            var small = await BrowserFixture.OpenAsync(phone, fixture, $"/journeys/{journey}");
            await Expect(small.GetByTestId("entered")).ToHaveTextAsync("12");
            await BrowserFixture.CheckAsync(small, "journey-phone");

            // What the step's messages led to is on the step (nobody has ordered since).
            await Expect(page.Locator("[data-step='2'] [data-testid=step-outcome]")).ToHaveTextAsync("0 ordered (0.0%) · 0.00");

            // A new version of the live journey is asked about first: "Not now" saves nothing; "Publish it" makes version 3 live.
            await page.GetByTestId("send-message").FillAsync(Third);
            await page.GetByTestId("save-journey").ClickAsync();
            await Expect(page.GetByRole(AriaRole.Dialog)).ToContainTextAsync("Publish version 3 of");
            await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Not now" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Dialog)).ToHaveCountAsync(0);
            Assert.Equal(2, await fixture.ScalarAsync<int>($"SELECT version FROM journeys WHERE id = '{journey}'"));
            await page.GetByTestId("save-journey").ClickAsync();
            await page.GetByTestId("confirm-edit").ClickAsync();
            await Expect(page.GetByTestId("saved")).ToContainTextAsync("Version 3 is live");
            Assert.Equal(3, await fixture.ScalarAsync<int>($"SELECT live_version FROM journeys WHERE id = '{journey}'"));

            // Copied to a new journey: the same steps under "Copy of …", saved as a draft of its own, then deleted.
            await page.GetByTestId("copy").ClickAsync();
            await Expect(page.GetByTestId("copied-from")).ToContainTextAsync(name);
            await BrowserFixture.WaitInteractiveAsync(page);
            await Expect(page.GetByTestId("journey-name")).ToHaveValueAsync("Copy of " + name);
            await Expect(page.GetByTestId("send-message")).ToHaveValueAsync(Third);
            await page.GetByTestId("save-journey").ClickAsync();
            await Expect(page.GetByTestId("journey-status")).ToHaveTextAsync("Draft", new() { Timeout = 15_000 });
            var copy = await fixture.ScalarAsync<Guid>($"SELECT id FROM journeys WHERE name = 'Copy of {name}'");
            Assert.Equal(await fixture.ScalarAsync<string>($"SELECT definition::text FROM journey_versions WHERE journey_id = '{journey}' ORDER BY version DESC LIMIT 1"),
                await fixture.ScalarAsync<string>($"SELECT definition::text FROM journey_versions WHERE journey_id = '{copy}'"));
            await page.GetByTestId("delete").ClickAsync();
            await Expect(page.GetByRole(AriaRole.Dialog)).ToContainTextAsync("cannot be brought back");
            await page.GetByTestId("confirm-delete").ClickAsync();
            await Expect(page.GetByTestId("journey-deleted")).ToContainTextAsync("Copy of " + name);
            Assert.Equal(0L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM journeys WHERE id = '{copy}'"));
            Assert.Equal(0, browserDialogs); // every question was asked on the page
        }
        finally
        {
            await JourneyDriver.StopQuietlyAsync(api, journey);
            await JourneyDriver.StopQuietlyAsync(api, alongside);
        }
    }
}
