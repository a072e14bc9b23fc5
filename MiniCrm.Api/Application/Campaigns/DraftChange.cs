using MiniCrm.Api.Application;
using MiniCrm.Api.Http;
using System.Text.Json;
using System.Text.Json.Nodes;
using MiniCrm.Core.Segments;
using MiniCrm.Core.Text;

namespace MiniCrm.Api.Application.Campaigns;

/// <summary>What a draft operation came to: the draft, the fields to fix, or why it cannot change (launched already).</summary>
public sealed record DraftChange(DraftView? Draft, IReadOnlyList<FieldError> Errors, string? Conflict = null)
{
    public static readonly DraftChange NotFound = new(null, []);
}
