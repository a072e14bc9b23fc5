using System.ComponentModel;
using MiniCrm.Core.Segments;

namespace MiniCrm.Api.Application.Segments;

/// <summary>A saved audience: <c>{name, rules}</c>; on update either may be left out.</summary>
public sealed record SegmentRequest(
    [property: Description("up to 200 characters, unique")] string? Name = null,
    [property: Description("the audience's rules")] RuleNode? Rules = null);
