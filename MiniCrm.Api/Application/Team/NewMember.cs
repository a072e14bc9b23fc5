namespace MiniCrm.Api.Application.Team;

/// <summary>Someone to add to the team before their first sign-in: their work email and the role they start with.</summary>
public sealed record NewMember(
    [property: System.ComponentModel.Description("their work email; their first Google sign-in with it claims this account")] string? Email = null,
    [property: System.ComponentModel.Description("Admin, Marketer or Analyst")] string? Role = null);
