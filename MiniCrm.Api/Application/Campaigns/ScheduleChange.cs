using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace MiniCrm.Api.Application.Campaigns;

/// <summary>When a SCHEDULED campaign is to start instead.</summary>
public sealed record ScheduleChange(
    [property: Required, Description("ISO 8601 with an offset, or a local time with timeZone; within a year")] string? SendAt = null,
    [property: Description("optional: the IANA time zone of a local sendAt, such as Asia/Kolkata")] string? TimeZone = null);
