using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Aspire.Hosting.Testing;
using Microsoft.Playwright;

namespace MiniCrm.Tests.Infrastructure;

/// <summary>
/// Debian's Chromium, driven by Playwright, against the running AppHost's Api (which serves the web app).
/// The marketer signs in once through the sign-in page; each context after that starts from that session.
/// Every page a test looks at is saved as a screenshot (test artefacts) and checked by axe-core.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumVariable = "MINICRM_CHROMIUM";
    public const string MarketerEmail = "browser@minicrm.test";
    public const string MarketerName = "Browser Marketer";

    public static readonly ViewportSize Desktop = new() { Width = 1280, Height = 900 };
    public static readonly ViewportSize Phone = new() { Width = 390, Height = 844 };

    private IPlaywright? _playwright;
    private string? _session;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Where screenshots go: MiniCrm.Tests/TestResults/screenshots (or MINICRM_SCREENSHOTS).</summary>
    public static string ScreenshotDirectory { get; } = Environment.GetEnvironmentVariable("MINICRM_SCREENSHOTS")
        ?? Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "TestResults", "screenshots"));

    public async Task InitializeAsync()
    {
        var chromium = Environment.GetEnvironmentVariable(ChromiumVariable) ?? "/usr/bin/chromium";
        Assert.True(File.Exists(chromium), $"Chromium is not at {chromium}: install it (apt-get install -y chromium; .ci/run does) or set {ChromiumVariable}.");
        Directory.CreateDirectory(ScreenshotDirectory);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }

    /// <summary>A browser with no session, at the given width, in English (US) and the UTC zone unless told otherwise.</summary>
    public Task<IBrowserContext> AnonymousAsync(ViewportSize? viewport = null, string locale = "en-US", string timeZone = "UTC", string? storageState = null) =>
        Browser.NewContextAsync(new()
        {
            ViewportSize = viewport ?? Desktop,
            IsMobile = viewport == Phone,
            HasTouch = viewport == Phone,
            Locale = locale,
            TimezoneId = timeZone,
            StorageState = storageState,
        });

    /// <summary>A browser with the marketer's session; the first call signs in through the sign-in page.</summary>
    public async Task<IBrowserContext> SignedInAsync(AppHostFixture system, ViewportSize? viewport = null, string locale = "en-US", string timeZone = "UTC")
    {
        if (_session is null)
        {
            await using var first = await AnonymousAsync();
            var page = await first.NewPageAsync();
            await SignInAsync(page, Url(system, "/"));
            _session = await first.StorageStateAsync();
        }

        return await AnonymousAsync(viewport, locale, timeZone, _session);
    }

    /// <summary>Opens a URL that needs a session and signs in on the page it is sent to.</summary>
    public static async Task SignInAsync(IPage page, string url)
    {
        await page.GotoAsync(url);
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/signin\\?returnUrl="));
        await page.GetByLabel("Email").FillAsync(MarketerEmail);
        await page.GetByLabel("Name").FillAsync(MarketerName);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(url, new() { Timeout = 30_000 });
    }

    public static string Url(AppHostFixture system, string path) => new Uri(system.App.GetEndpoint("api", "http"), path).ToString();

    /// <summary>Opens a page of the app and waits until it is interactive (its circuit is connected).</summary>
    public static async Task<IPage> OpenAsync(IBrowserContext context, AppHostFixture system, string path)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync(Url(system, path));
        await WaitInteractiveAsync(page);
        return page;
    }

    public static Task WaitInteractiveAsync(IPage page) =>
        page.Locator("html[data-interactive=true]").WaitForAsync(new() { State = WaitForSelectorState.Attached, Timeout = 30_000 });

    /// <summary>Saves the page as <paramref name="name"/>.png and fails on any serious or critical axe-core violation.</summary>
    public static async Task CheckAsync(IPage page, string name)
    {
        await page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = true });
        var result = await page.RunAxe();
        var serious = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(serious.Count == 0, $"{name}: axe-core found " + string.Join("; ", serious.Select(v =>
            $"{v.Impact} {v.Id} ({v.Help}) at {string.Join(", ", v.Nodes.Take(3).Select(n => n.Html))}")));
    }
}
