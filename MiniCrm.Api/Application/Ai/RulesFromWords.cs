using System.Text.Json.Nodes;

namespace MiniCrm.Api.Application.Ai;

/// <summary>Rules drafted from words; <c>provider</c> and <c>model</c> say who drafted them, <c>fallback</c> why the offline provider did instead.</summary>
public sealed record RulesFromWords(JsonNode Rules, string Description, IReadOnlyList<string> Unused, string Provider, string? Model, string? Fallback);
