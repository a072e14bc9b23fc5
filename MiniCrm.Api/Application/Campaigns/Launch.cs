using MiniCrm.Core.Segments;

namespace MiniCrm.Api.Application.Campaigns;

/// <summary>
/// What a launch came to: the campaign (with what to tell the marketer), the fields to fix, why no campaign was made,
/// or, for a repeat of a launch (the same Idempotency-Key, or a draft launched already), the first launch's answer (<see cref="Replay"/>).
/// </summary>
public sealed record Launch(Campaign? Campaign, string? Notice, IReadOnlyList<FieldError> Errors, string? Refusal, string? RefusalDetail,
    CampaignView? Replay = null, ClaimState? KeyProblem = null)
{
    public static Launch Invalid(IEnumerable<FieldError> errors) => new(null, null, [.. errors], null, null);

    public static Launch Refused(string title, string detail) => new(null, null, [], title, detail);
}
