namespace MiniCrm.Api.Application.Team;

/// <summary>A member's new role: Admin, Marketer or Analyst.</summary>
public sealed record RoleChange([property: System.ComponentModel.Description("Admin, Marketer or Analyst")] string? Role = null);
