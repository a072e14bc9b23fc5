using Npgsql;

namespace MiniCrm.Api.Auth;

/// <summary>The team's accounts: created on first sign-in (or by an admin on the Team page), updated on every sign-in.</summary>
public sealed class UserDirectory(CrmDbContext db)
{
    /// <summary>
    /// By Google id; an account first made by the development sign-in or added by an admin with the same email is claimed
    /// by it. <paramref name="admin"/> (from configuration) makes it an Admin; a new account starts as <paramref name="firstRole"/>,
    /// and is not made (null answered) when that is null.
    /// </summary>
    public async Task<User?> UpsertGoogleAsync(string googleId, string email, string name, string? avatar, bool admin, Role? firstRole, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var updated = await db.Users
                .Where(u => u.GoogleId == googleId || (u.GoogleId == null && u.Email == email))
                .ExecuteUpdateAsync(u => u
                    .SetProperty(x => x.GoogleId, googleId).SetProperty(x => x.Email, email)
                    .SetProperty(x => x.Name, name).SetProperty(x => x.Avatar, avatar)
                    .SetProperty(x => x.Role, x => admin ? Role.Admin : x.Role)
                    .SetProperty(x => x.SignedInAt, DateTimeOffset.UtcNow)
                    .SetProperty(x => x.UpdatedAt, DateTimeOffset.UtcNow), ct);
            if (updated == 0)
            {
                if (firstRole is not { } role)
                {
                    return null;
                }

                try
                {
                    db.Users.Add(new User { Id = NewId(), GoogleId = googleId, Email = email, Name = name, Avatar = avatar, Role = role, SignedInAt = DateTimeOffset.UtcNow, CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow });
                    await db.SaveChangesAsync(ct);
                }
                catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } && attempt == 0)
                {
                    db.ChangeTracker.Clear(); // signed in twice at once: the other request made the row
                    continue;
                }
            }

            return await db.Users.AsNoTracking().SingleAsync(u => u.GoogleId == googleId, ct);
        }
    }

    /// <summary>
    /// The development sign-in: by email, as the <paramref name="role"/> the person picked, never touching an account that
    /// signs in with Google. A name left out keeps the account's (a new one is named after the email).
    /// </summary>
    public async Task<User?> UpsertDevelopmentAsync(string email, string? givenName, Role role, CancellationToken ct)
    {
        var name = givenName ?? email.Split('@')[0];
        var existing = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Email == email, ct);
        if (existing is { GoogleId: not null })
        {
            return null;
        }

        if (existing is null)
        {
            db.Users.Add(new User { Id = NewId(), Email = email, Name = name, Role = role, SignedInAt = DateTimeOffset.UtcNow, CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow });
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
            {
                db.ChangeTracker.Clear();
            }
        }
        else
        {
            // Another role than the session's ends the other sessions, as a change on the Team page does.
            await db.Users.Where(u => u.Id == existing.Id).ExecuteUpdateAsync(u => u
                .SetProperty(x => x.Name, x => givenName ?? x.Name).SetProperty(x => x.Role, role)
                .SetProperty(x => x.SignedInAt, DateTimeOffset.UtcNow).SetProperty(x => x.UpdatedAt, DateTimeOffset.UtcNow)
                .SetProperty(x => x.SessionStamp, x => x.Role == role ? x.SessionStamp : User.NewSessionStamp()), ct);
        }

        return await db.Users.AsNoTracking().SingleAsync(u => u.Email == email, ct);
    }

    public Task<User?> FindAsync(string id, CancellationToken ct) => db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == id, ct);

    /// <summary>The marketer's own phone for test texts (null takes it away); false when the account no longer exists.</summary>
    public async Task<bool> SetPhoneAsync(string id, string? phone, CancellationToken ct) =>
        await db.Users.Where(u => u.Id == id).ExecuteUpdateAsync(u => u.SetProperty(x => x.Phone, phone).SetProperty(x => x.UpdatedAt, DateTimeOffset.UtcNow), ct) == 1;

    /// <summary>The user's current session stamp; null when the account no longer exists or was removed from the team.</summary>
    public Task<string?> SessionStampAsync(string id, CancellationToken ct) =>
        db.Users.AsNoTracking().Where(u => u.Id == id && u.RemovedAt == null).Select(u => u.SessionStamp).SingleOrDefaultAsync(ct);

    /// <summary>Whether the account of this Google id or email was removed from the team (it may not sign in).</summary>
    public Task<bool> IsRemovedAsync(string? googleId, string email, CancellationToken ct) =>
        db.Users.AsNoTracking().AnyAsync(u => u.RemovedAt != null && ((googleId != null && u.GoogleId == googleId) || u.Email == email), ct);

    /// <summary>Ends every session of the user: the stamp their cookies carry is no longer theirs.</summary>
    public async Task EndSessionsAsync(string id, CancellationToken ct) =>
        await db.Users.Where(u => u.Id == id).ExecuteUpdateAsync(u => u.SetProperty(x => x.SessionStamp, User.NewSessionStamp()), ct);

    private static string NewId() => "user_" + Guid.NewGuid().ToString("N");
}
