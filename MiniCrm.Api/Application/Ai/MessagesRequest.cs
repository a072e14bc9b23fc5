using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace MiniCrm.Api.Application.Ai;

/// <summary>What a campaign is, for message suggestions.</summary>
public sealed record MessagesRequest(
    [property: Required, Description("the campaign's name, 1 to 200 characters")] string? Name = null,
    [property: Description("optional: what it is for, up to 1,000 characters")] string? Objective = null,
    [property: Description("optional: who gets it, in words, up to 1,000 characters")] string? Audience = null);
