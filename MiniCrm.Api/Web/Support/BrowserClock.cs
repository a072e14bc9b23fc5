using System.Globalization;
using Microsoft.JSInterop;

namespace MiniCrm.Api.Web.Support;

/// <summary>
/// The browser's time zone, asked once per circuit, so times are shown as the marketer's clock shows them
/// (the culture, for numbers and date order, comes from the browser's Accept-Language).
/// </summary>
public sealed class BrowserClock
{
    private TimeZoneInfo zone = TimeZoneInfo.Utc;

    public event Action? Changed;

    public bool Known { get; private set; }

    public string ZoneId => zone.Id;

    public async Task LearnAsync(IJSRuntime js)
    {
        if (Known)
        {
            return;
        }

        var id = await js.InvokeAsync<string?>("minicrm.timeZone");
        if (id is not null && TimeZoneInfo.TryFindSystemTimeZoneById(id, out var found))
        {
            zone = found;
        }

        Known = true;
        Changed?.Invoke();
    }

    public DateTimeOffset Local(DateTimeOffset at) => TimeZoneInfo.ConvertTime(at, zone);

    /// <summary>A time the marketer typed (a date and a time on their clock) as the instant it names.</summary>
    public DateTimeOffset FromLocal(DateTime local)
    {
        var wall = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        // The calendar's first and last days have no instant in every zone (the offset would leave the range): taken as UTC.
        return wall.Year is > 1 and < 9999 ? new(wall, zone.GetUtcOffset(wall)) : new(wall, TimeSpan.Zero);
    }

    /// <summary>Date and time in the browser's culture and zone, e.g. "01/12/2026 14:05".</summary>
    public string Format(DateTimeOffset? at) => at is { } value ? Local(value).ToString("g", CultureInfo.CurrentCulture) : "—";

    public string FormatDate(DateTimeOffset? at) => at is { } value ? Local(value).ToString("d", CultureInfo.CurrentCulture) : "—";
}
