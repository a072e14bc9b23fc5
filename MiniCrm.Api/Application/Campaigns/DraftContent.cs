using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MiniCrm.Api.Application.Campaigns;

/// <summary>
/// A draft: the campaign as far as it is written. Every field is optional, the rules may be half built, and the
/// composer keeps fields of its own beside these (kept as they are, in <see cref="Other"/>).
/// </summary>
public sealed record DraftContent
{
    [Description("the campaign's name so far")]
    public string? Name { get; init; }

    [Description("the message so far")]
    public string? Message { get; init; }

    [Description("the audience's rules as far as built")]
    public JsonElement? Rules { get; init; }

    [Description("or a saved audience")]
    public Guid? SegmentId { get; init; }

    [Description("smart sending, as the campaign will have it")]
    public bool? SmartSending { get; init; }

    [Description("when to send, if scheduled")]
    public string? SendAt { get; init; }

    [Description("the IANA time zone of sendAt")]
    public string? TimeZone { get; init; }

    /// <summary>The composer's own fields (audience, objective, when, …).</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Other { get; set; } // settable: source-generated JSON cannot fill an init-only extension property
}
