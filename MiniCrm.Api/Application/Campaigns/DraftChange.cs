using MiniCrm.Core.Segments;

namespace MiniCrm.Api.Application.Campaigns;

/// <summary>What a draft operation came to: the draft, the fields to fix, or why it cannot change (launched already).</summary>
public sealed record DraftChange(DraftView? Draft, IReadOnlyList<FieldError> Errors, string? Conflict = null)
{
    public static readonly DraftChange NotFound = new(null, []);
}
