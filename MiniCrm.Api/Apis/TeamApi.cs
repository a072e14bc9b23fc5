using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using MiniCrm.Api.Application.Audit;
using MiniCrm.Api.Auth;
using MiniCrm.Api.Http;
using MiniCrm.Core.Segments;
using Npgsql;

namespace MiniCrm.Api.Apis;

/// <summary>The team and the audit trail over HTTP, for admins: routes, and their answers from <see cref="TeamMembers"/> and <see cref="AuditTrail"/>.</summary>
public static class TeamApi
{
    public static IEndpointRouteBuilder MapTeamApi(this IEndpointRouteBuilder app)
    {
        var team = app.MapGroup("/api/team").WithTags("Team").RequireAuthorization(CrmAuthentication.MarketerPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);
        team.MapGet("/", ListTeam).WithSummary("ADMIN: the team, admins first, with each member's role and last sign-in");
        team.MapPost("/", AddMember).WithSummary("ADMIN: add someone before their first sign-in: {email, role}; their first Google sign-in claims the account")
            .WithBodyLimit(4 * 1024).ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict);
        team.MapPut("/{id}/role", ChangeRole).WithSummary("ADMIN: give a member another role: {role}; every session of theirs ends within a minute")
            .WithBodyLimit(1024).ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict);
        team.MapPost("/{id}/signout", SignOutEverywhere).WithSummary("ADMIN: end every session of a member, their open pages included, within a minute");
        team.MapPost("/{id}/remove", RemoveMember).WithSummary("ADMIN: take a member off the team: every session of theirs ends, and they cannot sign in until added back")
            .ProducesProblem(StatusCodes.Status409Conflict);
        team.MapPost("/{id}/restore", RestoreMember).WithSummary("ADMIN: add a removed member back, with the role they had");

        app.MapGet("/api/audit", ListAudit).WithTags("Team").RequireAuthorization(CrmAuthentication.MarketerPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden)
            .WithSummary("ADMIN: the audit trail, newest first: every change and every export of personal data, by whom, when and from where");
        app.MapGet("/api/audit.csv", DownloadAudit).WithTags("Team").RequireAuthorization(CrmAuthentication.MarketerPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden)
            .WithSummary("ADMIN: the audit records the same filters select, as CSV");
        return app;
    }

    public static async Task<Results<Ok<List<TeamMemberView>>, ValidationProblem, ProblemHttpResult>> ListTeam(HttpContext context, TeamMembers team, CancellationToken ct) =>
        (await team.ListAsync(ct)).OkOrRefused(context);

    public static async Task<Results<Created<TeamMemberView>, ValidationProblem, ProblemHttpResult>> AddMember(
        NewMember member, HttpContext context, TeamMembers team, CancellationToken ct) =>
        (await team.AddAsync(member, ct)).Created(context, _ => "/api/team");

    public static async Task<Results<Ok<TeamMemberView>, NotFound, ValidationProblem, ProblemHttpResult>> ChangeRole(
        string id, RoleChange change, HttpContext context, TeamMembers team, CancellationToken ct) =>
        (await team.ChangeRoleAsync(id, change, ct)).Answer(context);

    public static async Task<Results<Ok<TeamMemberView>, NotFound, ProblemHttpResult>> RemoveMember(string id, HttpContext context, TeamMembers team, CancellationToken ct) =>
        (await team.RemoveAsync(id, ct)).OkOrProblem(context);

    public static async Task<Results<Ok<TeamMemberView>, NotFound, ProblemHttpResult>> RestoreMember(string id, HttpContext context, TeamMembers team, CancellationToken ct) =>
        (await team.RestoreAsync(id, ct)).OkOrProblem(context);

    public static async Task<Results<NoContent, NotFound, ProblemHttpResult>> SignOutEverywhere(string id, HttpContext context, TeamMembers team, CancellationToken ct) =>
        (await team.SignOutEverywhereAsync(id, ct)).NoContentOrProblem(context);

    /// <param name="user">Only what users whose email or id contains these words did.</param>
    /// <param name="action">Only this action (campaign.cancel) or kind of action (campaign).</param>
    /// <param name="record">Only what was done to this record (a campaign's, customer's, … id).</param>
    /// <param name="from">Only records at or after this time.</param>
    /// <param name="to">Only records before this time.</param>
    public static async Task<Results<Ok<Page<AuditEventView>>, ValidationProblem, ProblemHttpResult>> ListAudit(
        HttpContext context, AuditTrail trail, int? limit, string? cursor, string? user, string? action, string? record, DateTimeOffset? from, DateTimeOffset? to,
        CancellationToken ct) =>
        (await trail.ListAsync(new AuditQuery(user, action, record, from, to), limit, cursor, ct)).OkOrRefused(context);

    /// <summary>Streamed, newest first.</summary>
    public static async Task<Results<EmptyHttpResult, ValidationProblem, ProblemHttpResult>> DownloadAudit(
        HttpContext context, NpgsqlDataSource database, Access access, string? user, string? action, string? record, DateTimeOffset? from, DateTimeOffset? to,
        CancellationToken ct)
    {
        if (access.Refuse(Operations.ExportAudit) is { } refused)
        {
            return ResultHttp.Problem(refused, context);
        }

        var parameters = new List<NpgsqlParameter>();
        var errors = new List<FieldError>();
        var where = AuditTrail.Filter(new AuditQuery(user, action, record, from, to), parameters, errors);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        await access.RecordAsync(Operations.ExportAudit, null, $"user={user}; action={action}; record={record}; from={from:O}; to={to:O}", ct);
        await using var connection = await database.OpenConnectionAsync(ct);
        await CsvDownload.WriteAsync(context, connection, "audit.csv", AuditTrail.CsvHeader,
            $"SELECT id, at, user_id, user_email, role, action, record_type, record_id, address, detail FROM audit_events WHERE {where} ORDER BY id DESC",
            parameters,
            r => [r.GetInt64(0).ToString(CultureInfo.InvariantCulture), r.GetFieldValue<DateTime>(1).ToString("O", CultureInfo.InvariantCulture),
                  r.GetString(2), r.NullableString(3), r.GetString(4), r.GetString(5), r.NullableString(6), r.NullableString(7), r.NullableString(8), r.NullableString(9)],
            ct);
        return TypedResults.Empty;
    }
}
