using System.Globalization;
using MiniCrm.Core.Segments;

namespace MiniCrm.Api.Application.Campaigns;

/// <summary>When a campaign is to start: an instant, and the IANA time zone it was given in.</summary>
public sealed record SendTime(DateTimeOffset At, string? TimeZone)
{
    public static readonly TimeSpan MaxAhead = TimeSpan.FromDays(366);

    /// <summary>
    /// <c>sendAt</c> (ISO 8601; with an offset, or a local time with <c>timeZone</c>, an IANA name such as
    /// Asia/Kolkata) and <c>timeZone</c>; null when neither is given (send now). It must lie ahead, at most a year.
    /// </summary>
    public static SendTime? Read(string? sendAt, string? timeZone, DateTimeOffset now, List<FieldError> errors)
    {
        if (sendAt is null)
        {
            if (timeZone is not null)
            {
                errors.Add(new FieldError("sendAt", "Required with timeZone: the local time to send at, such as 2026-12-24T09:00."));
            }

            return null;
        }

        TimeZoneInfo? zone = null;
        if (timeZone is not null && !TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out zone))
        {
            errors.Add(new FieldError("timeZone", "Unknown time zone; use an IANA name such as Asia/Kolkata or Europe/London."));
            return null;
        }

        if (!DateTime.TryParse(sendAt, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var parsed))
        {
            errors.Add(new FieldError("sendAt", "Must be an ISO 8601 time: 2026-12-24T09:00:00+05:30, or 2026-12-24T09:00 with timeZone."));
            return null;
        }

        DateTimeOffset at;
        if (parsed.Kind == DateTimeKind.Unspecified)
        {
            if (zone is null)
            {
                errors.Add(new FieldError("sendAt", "A time without an offset needs timeZone (an IANA name such as Asia/Kolkata), or add the offset: +05:30."));
                return null;
            }

            if (zone.IsInvalidTime(parsed))
            {
                errors.Add(new FieldError("sendAt", $"{parsed:yyyy-MM-dd HH:mm} does not exist in {zone.Id} (the clocks skip it)."));
                return null;
            }

            at = new DateTimeOffset(parsed, zone.GetUtcOffset(parsed));
        }
        else
        {
            at = DateTimeOffset.Parse(sendAt, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
        }

        if (at <= now)
        {
            errors.Add(new FieldError("sendAt", "Must lie ahead; leave sendAt out to send now."));
            return null;
        }

        if (at > now + MaxAhead)
        {
            errors.Add(new FieldError("sendAt", "At most a year ahead."));
            return null;
        }

        return new SendTime(at.ToUniversalTime(), zone?.Id);
    }
}
