using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace MiniCrm.Api.Application.Ai;

/// <summary>An audience in plain words, for rules.</summary>
public sealed record RulesRequest([property: Required, Description("1 to 1,000 characters")] string? Text = null);
