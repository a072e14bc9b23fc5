using System.ComponentModel;
using MiniCrm.Core.Journeys;

namespace MiniCrm.Api.Application.Journeys;

/// <summary>A journey: <c>{name, definition}</c>. On update either may be left out; a new definition is a new version.</summary>
public sealed record JourneyRequest(
    [property: Description("up to 200 characters, unique")] string? Name = null,
    [property: Description("the trigger, entry policy, goal and steps")] JourneyDefinition? Definition = null);
