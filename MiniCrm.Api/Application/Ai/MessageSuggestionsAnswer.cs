using MiniCrm.Core.Ai;

namespace MiniCrm.Api.Application.Ai;

/// <summary>Three templates, each with the provider that wrote it.</summary>
public sealed record MessageSuggestionsAnswer(IReadOnlyList<Suggestion> Suggestions, string Provider, string? Model, string? Fallback);
