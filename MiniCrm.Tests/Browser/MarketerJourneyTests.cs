using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using MiniCrm.Tests.Infrastructure;
using MiniCrm.Tests.Pipeline;
using static Microsoft.Playwright.Assertions;

namespace MiniCrm.Tests.Browser;

/// <summary>
/// The marketer's web app in a real browser (Debian's Chromium through Playwright) against the running AppHost:
/// sign-in, the audience builder, AI drafts and suggestions, the composer, live campaign pages and imports.
/// Every page visited is saved as a screenshot and checked by axe-core.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed partial class MarketerJourneyTests(AppHostFixture fixture, BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan CampaignTimeout = TimeSpan.FromSeconds(120);

    /// <summary>A test send waits for the vendor, whose failures the Api's resilience handler retries for up to about 30 s.</summary>
    private static readonly LocatorAssertionsToHaveTextOptions VendorRetries = new() { Timeout = 30_000 };

    [Fact]
    public async Task A_deep_link_survives_sign_in()
    {
        await using var context = await browser.AnonymousAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(BrowserFixture.Url(fixture, "/customers?from=link"));
        await Expect(page).ToHaveURLAsync(new Regex(@"/signin\?returnUrl=%2Fcustomers%3Ffrom%3Dlink$"));
        await BrowserFixture.CheckAsync(page, "signin-desktop");

        await page.GetByLabel("Email").FillAsync("not an email");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.Locator("[data-error]")).ToContainTextAsync("email");

        // An account of its own: signing out ends every session of the account, and the other browser tests share the marketer's.
        await page.GetByLabel("Email").FillAsync($"sign.out.{Guid.NewGuid():N}@minicrm.test");
        await page.GetByLabel("Name").FillAsync(BrowserFixture.MarketerName);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(BrowserFixture.Url(fixture, "/customers?from=link"));
        await BrowserFixture.WaitInteractiveAsync(page);
        await Expect(page.GetByTestId("user-name")).ToHaveTextAsync(BrowserFixture.MarketerName);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Customers", Level = 1 })).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.WaitForURLAsync(new Regex("/signin$"));
        await page.GotoAsync(BrowserFixture.Url(fixture, "/orders"));
        await Expect(page).ToHaveURLAsync(new Regex(@"/signin\?returnUrl=%2Forders$"));
    }

    [Fact]
    public async Task A_marketer_builds_an_audience_drafts_it_from_words_saves_it_and_launches_a_campaign_to_completion()
    {
        var city = "Web" + Letters();
        await TestCustomers.AddAsync(fixture, city, 0, 30);
        await using var context = await browser.SignedInAsync(fixture);

        // The builder: a rule, then a nested group; the count follows each edit.
        var page = await BrowserFixture.OpenAsync(context, fixture, "/audiences/new");
        var count = page.GetByTestId("count");
        await Expect(count).ToHaveTextAsync(new Regex(@"^\d[\d,]*$"));
        await page.GetByTestId("add-rule").First.ClickAsync();
        await Expect(page.Locator("#grules-e0")).ToHaveTextAsync("Enter a value.");
        await page.Locator("#grules-a0").SelectOptionAsync("city");
        await Expect(page.Locator("#grules-o0 option")).ToHaveTextAsync(["is", "is not"]);
        await page.Locator("#grules-v0").FillAsync(city);
        await Expect(count).ToHaveTextAsync("30");

        await page.GetByTestId("add-group").First.ClickAsync();
        var nested = "#grules-rules1";
        await page.Locator($"{nested}-a0").SelectOptionAsync("visit");
        await page.Locator($"{nested}-o0").SelectOptionAsync("<");
        await page.Locator($"{nested}-v0").FillAsync("0");
        await Expect(count).ToHaveTextAsync("0");
        await page.Locator($"{nested}-v0").FillAsync("1");
        await Expect(count).ToHaveTextAsync("30");
        await page.Locator($"{nested}-v0").FillAsync("lots");
        await Expect(page.Locator($"{nested}-e0")).ToContainTextAsync("takes a number");
        await page.Locator($"{nested}-v0").FillAsync("1");
        await Expect(count).ToHaveTextAsync("30");
        await BrowserFixture.CheckAsync(page, "audience-builder-desktop");

        // Words become rules in the builder, with the words it could not use.
        await page.GetByLabel("In your own words").FillAsync($"customers in {city.ToLowerInvariant()} who love jazz");
        await page.GetByTestId("draft-rules").ClickAsync();
        await Expect(page.GetByTestId("draft-result")).ToContainTextAsync("Loaded");
        await Expect(page.GetByTestId("unused-words")).ToContainTextAsync("jazz");
        await Expect(page.Locator("#grules-v0")).ToHaveValueAsync(new Regex(city, RegexOptions.IgnoreCase));
        // Words it could not use: nothing is counted as if the rest were the audience until the marketer has seen them.
        await Expect(page.GetByTestId("count-held")).ToBeVisibleAsync();
        await Expect(count).ToHaveCountAsync(0);
        await BrowserFixture.CheckAsync(page, "audience-builder-unused-words-desktop");
        await page.GetByTestId("count-anyway").ClickAsync();
        await Expect(count).ToHaveTextAsync("30");

        var name = $"Web audience {city}";
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync(name);
        await page.GetByTestId("save-audience").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex(@"/audiences/[0-9a-f-]{36}"));
        var segmentId = GuidIn().Match(page.Url).Value;
        using var api = fixture.Api();
        var saved = await api.GetFromJsonAsync<JsonElement>($"/api/segments/{segmentId}", Json);
        Assert.Equal(name, saved.GetProperty("name").GetString());
        Assert.Equal(30, saved.GetProperty("count").GetInt64());

        // The composer, from the saved audience: a suggestion picked, previewed for real customers, test-sent, launched.
        page = await BrowserFixture.OpenAsync(context, fixture, $"/campaigns/new?audience={segmentId}");
        await Expect(page.GetByTestId("saved-count")).ToContainTextAsync("30");
        await page.GetByLabel("Campaign name").FillAsync($"Web launch {city}");
        await page.GetByLabel("What is it for?").FillAsync("a jazz night with 10% off");
        await page.GetByTestId("suggest").ClickAsync();
        var suggestion = page.GetByTestId("suggestion").First;
        await Expect(suggestion).ToBeVisibleAsync();
        var picked = await suggestion.InnerTextAsync();
        await suggestion.ClickAsync();
        await Expect(page.GetByLabel("Message", new() { Exact = true })).ToHaveValueAsync(picked);
        var preview = page.GetByTestId("preview").First;
        await Expect(preview).ToContainTextAsync($"of {city}");
        Assert.DoesNotContain("{{", await preview.InnerTextAsync());
        await page.GetByTestId("test-send").ClickAsync();
        await Expect(page.GetByTestId("test-sent")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^Test sent to .+@.+\\.$"), VendorRetries);
        // A test text to the marketer's own phone, saved once from here (a wrong number said in plain words).
        await page.GetByText("Test texts to your own phone too").ClickAsync();
        await page.GetByLabel("Your phone (10 digits)").FillAsync("12345");
        await page.GetByTestId("save-phone").ClickAsync();
        await Expect(page.Locator("#my-phone-error")).ToBeVisibleAsync();
        await page.GetByLabel("Your phone (10 digits)").FillAsync("98765 43210");
        await page.GetByTestId("save-phone").ClickAsync();
        await Expect(page.GetByTestId("test-target")).ToHaveValueAsync("my-phone");
        await page.GetByTestId("test-send").ClickAsync();
        await Expect(page.GetByTestId("test-sent")).ToHaveTextAsync("Test sent to 9876543210.", VendorRetries);
        await BrowserFixture.CheckAsync(page, "compose-desktop");

        await page.GetByTestId("holdout").SelectOptionAsync("0"); // all thirty messaged (CampaignResultsBrowserTests holds some out)
        await page.GetByTestId("launch").ClickAsync();
        await Expect(page.GetByTestId("confirm-size")).ToHaveTextAsync("It goes to 30 customers.");
        // The suggestion has no unsubscribe link: sending it anyway is a deliberate tick.
        await page.GetByTestId("confirm-no-link").CheckAsync();
        await page.GetByTestId("confirm-launch").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex(@"/campaigns/[0-9a-f-]{36}$"));
        var campaignId = Guid.Parse(GuidIn().Match(page.Url).Value);

        // The page follows the campaign to the end without a reload, and says what the API says.
        await Expect(page.GetByTestId("status")).ToHaveTextAsync("COMPLETED", new() { Timeout = (float)CampaignTimeout.TotalMilliseconds });
        var done = await CampaignTests.WaitForCompletionAsync(api, campaignId, CampaignTimeout);
        await Expect(page.GetByTestId("sent")).ToHaveTextAsync(done.SentCount.ToString("N0", System.Globalization.CultureInfo.GetCultureInfo("en-US")));
        await Expect(page.GetByTestId("failed")).ToHaveTextAsync(done.FailedCount.ToString());
        await Expect(page.GetByTestId("pending")).ToHaveTextAsync("0");
        await Expect(page.GetByTestId("cancelled")).ToHaveTextAsync("0");
        await Expect(page.GetByTestId("audience")).ToHaveTextAsync("30");
        await Expect(page.GetByTestId("chart")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("log-row")).ToHaveCountAsync(25);
        Assert.Equal(30, done.SentCount + done.FailedCount);
        await BrowserFixture.CheckAsync(page, "campaign-completed-desktop");

        // On the dashboard the click that launched it and the fan-out are one trace.
        var traceId = await fixture.ScalarAsync<string>($"SELECT split_part(trace_parent, '-', 2) FROM campaigns WHERE id = '{campaignId}'");
        await AppHostFixture.EventuallyAsync(() => Task.FromResult(
                fixture.Telemetry.Spans.Any(s => s.TraceId == traceId && s.Service == "api" && s.Name == "web Compose.LaunchAsync") &&
                fixture.Telemetry.Spans.Any(s => s.TraceId == traceId && s.Service == "workers" && s.Name == "prepare campaign")),
            TimeSpan.FromSeconds(60), () => "the launch click and the campaign's preparation in one trace; seen: " +
                string.Join(", ", fixture.Telemetry.Spans.Where(s => s.TraceId == traceId).Select(s => $"{s.Service}:{s.Name}").Distinct()));

        // The log as CSV: every delivery, with the campaign's session.
        var csv = await page.APIRequest.GetAsync(BrowserFixture.Url(fixture, $"/api/campaigns/{campaignId}/log.csv"));
        Assert.Equal(200, csv.Status);
        var lines = (await csv.TextAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(31, lines.Length);
        Assert.StartsWith("customer_id,customer_name", lines[0]);
    }

    [Fact]
    public async Task A_running_campaign_is_paused_and_resumed_from_its_page()
    {
        var city = "Pause" + Letters();
        await TestCustomers.AddAsync(fixture, city, 0, 120);
        using var api = fixture.Api();
        var rules = new { combinator = "AND", rules = new object[] { new { attribute = "city", @operator = "=", value = city } } };
        var launched = await CampaignTests.LaunchAsync(api, $"Paused in the browser {city}", rules, "Hi {{name}}", sendRatePerSecond: 6);

        await using var context = await browser.SignedInAsync(fixture);
        var page = await BrowserFixture.OpenAsync(context, fixture, $"/campaigns/{launched.Id}");
        await Expect(page.GetByTestId("status")).ToHaveTextAsync("RUNNING");
        await page.GetByTestId("pause").ClickAsync();
        await Expect(page.GetByTestId("status")).ToHaveTextAsync("PAUSED");
        var paused = await api.GetFromJsonAsync<CampaignState>($"/api/campaigns/{launched.Id}", Json);
        Assert.Equal("PAUSED", paused!.Status);
        Assert.True(paused.PendingCount > 0, "the campaign finished before it could be paused; slow it down");
        await Expect(page.GetByTestId("pending")).Not.ToHaveTextAsync("0");
        await BrowserFixture.CheckAsync(page, "campaign-paused-desktop");

        await page.GetByTestId("resume").ClickAsync();
        await Expect(page.GetByTestId("status")).ToHaveTextAsync(new Regex("RUNNING|COMPLETED"));
        await Expect(page.GetByTestId("status")).ToHaveTextAsync("COMPLETED", new() { Timeout = (float)CampaignTimeout.TotalMilliseconds });
        var done = await CampaignTests.WaitForCompletionAsync(api, launched.Id, CampaignTimeout);
        Assert.Equal(120, done.SentCount + done.FailedCount);
        await Expect(page.GetByTestId("sent")).ToHaveTextAsync(done.SentCount.ToString());
        var history = (await api.GetFromJsonAsync<JsonElement>($"/api/campaigns/{launched.Id}", Json)).GetProperty("history")
            .EnumerateArray().Select(e => e.GetProperty("status").GetString()).ToList();
        Assert.Equal(["RUNNING", "PAUSED", "RUNNING", "COMPLETED"], history);
    }

    [Fact]
    public async Task A_campaign_is_cancelled_from_its_page_after_a_confirmation_that_escape_dismisses()
    {
        var city = "Cancel" + Letters();
        await TestCustomers.AddAsync(fixture, city, 0, 100);
        using var api = fixture.Api();
        var rules = new { combinator = "AND", rules = new object[] { new { attribute = "city", @operator = "=", value = city } } };
        var launched = await CampaignTests.LaunchAsync(api, $"Cancelled in the browser {city}", rules, "Hi {{name}}", sendRatePerSecond: 4);

        await using var context = await browser.SignedInAsync(fixture);
        var page = await BrowserFixture.OpenAsync(context, fixture, $"/campaigns/{launched.Id}");
        await Expect(page.GetByTestId("status")).ToHaveTextAsync("RUNNING");

        // The dialog takes the focus, keeps it, and Escape leaves everything as it was.
        await page.GetByTestId("cancel").ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog).ToBeVisibleAsync();
        await Expect(page.GetByTestId("confirm-cancel")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.GetByTestId("confirm-cancel")).ToBeFocusedAsync();
        await BrowserFixture.CheckAsync(page, "campaign-cancel-dialog-desktop");
        await page.Keyboard.PressAsync("Escape");
        await Expect(dialog).ToHaveCountAsync(0);
        Assert.Equal("RUNNING", (await api.GetFromJsonAsync<CampaignState>($"/api/campaigns/{launched.Id}", Json))!.Status);

        await page.GetByTestId("cancel").ClickAsync();
        await page.GetByTestId("confirm-cancel").ClickAsync();
        await Expect(page.GetByTestId("status")).ToHaveTextAsync("CANCELLED");
        await Expect(page.GetByTestId("pending")).ToHaveTextAsync("0", new() { Timeout = (float)CampaignTimeout.TotalMilliseconds });
        var done = await api.GetFromJsonAsync<JsonElement>($"/api/campaigns/{launched.Id}", Json);
        var cancelled = done.GetProperty("cancelledCount").GetInt32();
        Assert.True(cancelled > 0, "nothing was left to cancel; slow the campaign down");
        Assert.Equal(100, done.GetProperty("sentCount").GetInt32() + done.GetProperty("failedCount").GetInt32() + cancelled);
        await Expect(page.GetByTestId("cancelled")).ToHaveTextAsync(cancelled.ToString());
    }

    [Fact]
    public async Task A_csv_import_shows_its_progress_and_rejected_rows()
    {
        var city = "Import" + Letters();
        var csv = "name,email,phone,city\n" + string.Concat(Enumerable.Range(0, 5).Select(i => $"Imported {i},{city}.{i}@minicrm.test,,{city}\n")) +
                  $"No email,,,{city}\nBad email,not-an-email,,{city}\n";
        await using var context = await browser.SignedInAsync(fixture);
        var page = await BrowserFixture.OpenAsync(context, fixture, "/imports");
        await page.GetByLabel("What the file holds").SelectOptionAsync("customers");
        await page.GetByTestId("import-file").SetInputFilesAsync(new FilePayload { Name = $"{city}.csv", MimeType = "text/csv", Buffer = System.Text.Encoding.UTF8.GetBytes(csv) });
        await page.GetByTestId("upload").ClickAsync();

        var row = page.GetByTestId("import-row").Filter(new() { HasText = $"{city}.csv" });
        await Expect(row.GetByText("Completed")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Expect(row.GetByTestId("import-accepted")).ToHaveTextAsync("5");
        await Expect(row.GetByTestId("import-rejected")).ToContainTextAsync("2");
        Assert.Equal(5L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM customers WHERE city = '{city}'"));
        await BrowserFixture.CheckAsync(page, "imports-desktop");

        var rejected = await page.APIRequest.GetAsync(BrowserFixture.Url(fixture, (await row.GetByRole(AriaRole.Link).GetAttributeAsync("href"))!));
        var lines = (await rejected.TextAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["line,field,reason", "7,email", "8,email"], lines.Select((l, i) => i == 0 ? l : string.Join(',', l.Split(',').Take(2))).ToList());
    }

    [Fact]
    public async Task Every_page_is_accessible_and_saved_at_desktop_and_phone_width()
    {
        var city = "Pages" + Letters();
        await TestCustomers.AddAsync(fixture, city, 0, 3);
        using var api = fixture.Api();
        var rules = new { combinator = "AND", rules = new object[] { new { attribute = "city", @operator = "=", value = city } } };
        var campaign = await CampaignTests.LaunchAsync(api, $"Every page {city}", rules, "Hi {{name}}, see you soon. {{unsubscribe_url}}");
        await CampaignTests.WaitForCompletionAsync(api, campaign.Id, CampaignTimeout);
        using var segment = await api.PostAsJsonAsync("/api/segments", new { name = $"Every page {city}", rules });
        var segmentId = (await segment.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("id").GetGuid();
        var customerId = await fixture.ScalarAsync<Guid>($"SELECT id FROM customers WHERE city = '{city}' AND name = 'Customer 0 of {city}'");

        (string Name, string Path, string Heading)[] pages =
        [
            ("home", "/", "What your campaigns earned"),
            ("campaigns", "/campaigns", "Campaigns"),
            ("campaign", $"/campaigns/{campaign.Id}", $"Every page {city}"),
            ("compose", "/campaigns/new", "New campaign"),
            ("audiences", "/audiences", "Audiences"),
            ("audience", $"/audiences/{segmentId}", "Audience"),
            ("audience-new", "/audiences/new", "New audience"),
            ("customers", "/customers", "Customers"),
            ("customer", $"/customers/{customerId}", $"Customer 0 of {city}"),
            ("orders", "/orders", "Orders"),
            ("imports", "/imports", "Imports"),
            ("not-found", "/no-such-page", "Nothing here"),
        ];
        foreach (var (viewport, width) in new[] { (BrowserFixture.Desktop, "desktop"), (BrowserFixture.Phone, "phone") })
        {
            await using var context = await browser.SignedInAsync(fixture, viewport);
            foreach (var (name, path, heading) in pages)
            {
                var page = await BrowserFixture.OpenAsync(context, fixture, path);
                await Expect(page.GetByRole(AriaRole.Heading, new() { Name = heading, Level = 1 })).ToBeVisibleAsync();
                await Expect(page.GetByText("Loading")).ToHaveCountAsync(0);
                // Nothing wider than the screen: a phone scrolls down, not sideways.
                Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth + 1"), $"{name} is wider than {width}");
                await BrowserFixture.CheckAsync(page, $"{name}-{width}");
                await page.CloseAsync();
            }

            await using var anonymous = await browser.AnonymousAsync(viewport);
            var signIn = await anonymous.NewPageAsync();
            await signIn.GotoAsync(BrowserFixture.Url(fixture, "/signin"));
            await BrowserFixture.CheckAsync(signIn, $"signin-{width}");
            var unsubscribe = await anonymous.NewPageAsync();
            await unsubscribe.GotoAsync(MiniCrm.Core.Consent.UnsubscribeLinks.Url(BrowserFixture.Url(fixture, "/").TrimEnd('/'), customerId, fixture.LinkSigningKey));
            await Expect(unsubscribe.GetByRole(AriaRole.Button)).ToBeVisibleAsync();
            await BrowserFixture.CheckAsync(unsubscribe, $"unsubscribe-{width}");
        }
    }

    [Fact]
    public async Task Numbers_and_times_follow_the_browser_locale_and_zone()
    {
        var city = "Locale" + Letters();
        await TestCustomers.AddAsync(fixture, city, 0, 1);
        var customerId = await fixture.ScalarAsync<Guid>($"SELECT id FROM customers WHERE city = '{city}'");
        var created = await fixture.ScalarAsync<DateTime>($"SELECT created_at FROM customers WHERE id = '{customerId}'");
        await using var context = await browser.SignedInAsync(fixture, locale: "de-DE", timeZone: "Asia/Kolkata");
        var page = await BrowserFixture.OpenAsync(context, fixture, $"/customers/{customerId}");
        var local = TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(created, DateTimeKind.Utc), TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata"));
        await Expect(page.Locator("dl.facts")).ToContainTextAsync("0,00");
        await Expect(page.Locator("dl.facts")).ToContainTextAsync(local.ToString("dd.MM.yyyy HH:mm", System.Globalization.CultureInfo.InvariantCulture));
    }

    private static string Letters() => string.Concat(Guid.NewGuid().ToString("N")[..10].Select(c => (char)('a' + Convert.ToInt32(c.ToString(), 16))));

    [GeneratedRegex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")]
    private static partial Regex GuidIn();
}
