using System.Net.Mail;
using Microsoft.Extensions.Options;
using MiniCrm.Api.Auth;
using MiniCrm.Core.Segments;
using MiniCrm.Core.Text;
using Npgsql;

namespace MiniCrm.Api.Application.Team;

/// <summary>
/// The team, for admins: who is on it with which role, adding someone before their first sign-in, changing a role, and
/// signing someone out everywhere. A role change ends every session of the member (their open pages go to sign-in within
/// <see cref="SessionStamps.Remembered"/> plus a page's check), so a session's role is always the member's role. The team
/// keeps an admin: the last one cannot be demoted, and admins by configuration are changed there, not here.
/// </summary>
public sealed class TeamMembers(CrmDbContext db, Access access, SessionStamps sessions, IOptions<SignInOptions> signIn)
{
    public const int MaxMembers = 1000;

    public async Task<Result<List<TeamMemberView>>> ListAsync(CancellationToken ct)
    {
        if (access.Refuse(Operations.ReadTeam) is { } refused)
        {
            return refused;
        }

        var users = await db.Users.AsNoTracking().OrderBy(u => u.RemovedAt != null).ThenByDescending(u => u.Role).ThenBy(u => u.Email).Take(MaxMembers).ToListAsync(ct);
        return users.Select(View).ToList();
    }

    /// <summary>Adds <paramref name="member"/> with a role; their first Google sign-in with that email claims the account.</summary>
    public Task<Result<TeamMemberView>> AddAsync(NewMember member, CancellationToken ct) =>
        access.RunAsync<TeamMemberView>(Operations.AddMember, null, async () =>
        {
            var errors = new List<FieldError>();
            var email = TextField.Read(member.Email, "email", errors, required: true, 320)?.Trim().ToLowerInvariant();
            if (email is not null && (!MailAddress.TryCreate(email, out var address) || address.Address != email))
            {
                errors.Add(new FieldError("email", "Must be an email address, such as asha@yourcompany.com."));
            }
            else if (email is not null && !signIn.Value.AllowsEmail(email))
            {
                errors.Add(new FieldError("email", "Accounts of this domain may not sign in (Authentication:AllowedEmailDomains)."));
            }

            var role = ReadRole(member.Role, errors);
            if (errors.Count > 0)
            {
                return CrmProblem.Invalid(errors);
            }

            var user = new User
            {
                Id = "user_" + Guid.NewGuid().ToString("N"),
                Email = email,
                Name = email!.Split('@')[0],
                Role = signIn.Value.IsAdmin(email) ? Role.Admin : role!.Value,
                CreatedAt = DateTimeOffset.UtcNow,
                UpdatedAt = DateTimeOffset.UtcNow,
            };
            db.Users.Add(user);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
            {
                return await db.Users.AsNoTracking().AnyAsync(u => u.Email == email && u.RemovedAt != null, ct)
                    ? CrmProblem.Conflict("Removed from the team", $"{email} was removed from the team; choose Add back beside it in the list (POST /api/team/{{id}}/restore).")
                    : CrmProblem.Conflict("Already on the team", $"{email} has an account already; change its role in the list.");
            }

            return View(user);
        }, ct, recordOf: m => m.Id, detailOf: m => $"{m.Email} as {m.Role}");

    /// <summary>Gives member <paramref name="id"/> another role, and ends every session of theirs.</summary>
    public Task<Result<TeamMemberView>> ChangeRoleAsync(string id, RoleChange change, CancellationToken ct)
    {
        string? detail = null;
        return access.RunAsync<TeamMemberView>(Operations.ChangeRole, id, async () =>
        {
            var errors = new List<FieldError>();
            var role = ReadRole(change.Role, errors);
            if (errors.Count > 0)
            {
                return CrmProblem.Invalid(errors);
            }

            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            // The admins are locked first, so two admins demoting each other at once leave one of them.
            var admins = await db.ListAsync("SELECT id FROM users WHERE role = 'ADMIN' AND removed_at IS NULL ORDER BY id FOR UPDATE", [], r => r.GetString(0), ct);
            if (await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == id, ct) is not { } user)
            {
                return NoSuchMember;
            }

            if (user.Role == role)
            {
                return View(user);
            }

            if (user.Role == Role.Admin && user.Email is { } email && signIn.Value.IsAdmin(email))
            {
                return CrmProblem.Conflict("An admin by configuration",
                    $"{email} is an admin by the setting Authentication:Admins; take it out of that setting to change the role.");
            }

            if (user.Role == Role.Admin && admins.Count == 1)
            {
                return CrmProblem.Conflict("The last admin", "The team needs an admin: make someone else an admin first.");
            }

            await db.Users.Where(u => u.Id == id).ExecuteUpdateAsync(u => u
                .SetProperty(x => x.Role, role!.Value)
                .SetProperty(x => x.SessionStamp, User.NewSessionStamp()), ct);
            await transaction.CommitAsync(ct);
            sessions.Forget(id);
            detail = $"{user.Role} → {role}";
            return View(user) with { Role = role!.Value };
        }, ct, detailOf: _ => detail);
    }

    /// <summary>Ends every session of member <paramref name="id"/>, their open pages included.</summary>
    public Task<Result<Done>> SignOutEverywhereAsync(string id, CancellationToken ct) =>
        access.RunAsync(Operations.EndSessions, id, async () =>
        {
            var ended = await db.Users.Where(u => u.Id == id).ExecuteUpdateAsync(u => u.SetProperty(x => x.SessionStamp, User.NewSessionStamp()), ct);
            sessions.Forget(id);
            return ended == 1 ? new Done() : (Result<Done>)NoSuchMember;
        }, ct);

    /// <summary>
    /// Takes member <paramref name="id"/> off the team: every session of theirs ends (open pages go to sign-in within a
    /// minute) and they cannot sign in again until added back. What they did stays theirs (campaigns, journeys, the audit
    /// trail). An admin cannot remove themselves, an admin by configuration, or the last admin.
    /// </summary>
    public Task<Result<TeamMemberView>> RemoveAsync(string id, CancellationToken ct) =>
        access.RunAsync<TeamMemberView>(Operations.RemoveMember, id, async () =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var admins = await db.ListAsync("SELECT id FROM users WHERE role = 'ADMIN' AND removed_at IS NULL ORDER BY id FOR UPDATE", [], r => r.GetString(0), ct);
            if (await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == id, ct) is not { } user)
            {
                return NoSuchMember;
            }

            if (user.RemovedAt is not null)
            {
                return View(user);
            }

            if (id == access.Caller.Id)
            {
                return CrmProblem.Conflict("That is you", "An admin cannot remove themselves; another admin can.");
            }

            if (user.Email is { } email && signIn.Value.IsAdmin(email))
            {
                return CrmProblem.Conflict("An admin by configuration",
                    $"{email} is an admin by the setting Authentication:Admins; take it out of that setting first.");
            }

            if (user.Role == Role.Admin && admins.Count == 1)
            {
                return CrmProblem.Conflict("The last admin", "The team needs an admin: make someone else an admin first.");
            }

            var now = DateTimeOffset.UtcNow;
            await db.Users.Where(u => u.Id == id).ExecuteUpdateAsync(u => u
                .SetProperty(x => x.RemovedAt, now).SetProperty(x => x.RemovedBy, access.Caller.Id)
                .SetProperty(x => x.SessionStamp, User.NewSessionStamp()).SetProperty(x => x.UpdatedAt, now), ct);
            await transaction.CommitAsync(ct);
            sessions.Forget(id);
            return View(user) with { RemovedAt = now };
        }, ct, detailOf: m => m.Email);

    /// <summary>Adds a removed member back, with the role they had; they sign in again as before.</summary>
    public Task<Result<TeamMemberView>> RestoreAsync(string id, CancellationToken ct) =>
        access.RunAsync<TeamMemberView>(Operations.RestoreMember, id, async () =>
        {
            var now = DateTimeOffset.UtcNow;
            var restored = await db.Users.Where(u => u.Id == id).ExecuteUpdateAsync(u => u
                .SetProperty(x => x.RemovedAt, (DateTimeOffset?)null).SetProperty(x => x.RemovedBy, (string?)null).SetProperty(x => x.UpdatedAt, now), ct);
            return restored == 0 ? NoSuchMember : View(await db.Users.AsNoTracking().SingleAsync(u => u.Id == id, ct));
        }, ct, detailOf: m => m.Email);

    private static readonly CrmProblem NoSuchMember = CrmProblem.NotFound("No team member has this id.");

    public static Role? ReadRole(string? text, List<FieldError> errors)
    {
        if (text is not null && !int.TryParse(text, out _) && Enum.TryParse<Role>(text.Trim(), ignoreCase: true, out var role) && Enum.IsDefined(role))
        {
            return role;
        }

        errors.Add(new FieldError("role", "Must be Admin, Marketer or Analyst."));
        return null;
    }

    private TeamMemberView View(User u) => new(u.Id, u.Email, u.Name, u.Role,
        u.GoogleId is not null ? "google" : u.SignedInAt is not null ? "development" : "invited",
        u.Email is { } email && signIn.Value.IsAdmin(email), u.CreatedAt, u.SignedInAt, u.RemovedAt);
}
