using System.Text.Json;
using MiniCrm.Api.Application.Team;
using MiniCrm.Api.Http;
using MiniCrm.Core.Text;
using MiniCrm.Core.Segments;
using Npgsql;
using NpgsqlTypes;

namespace MiniCrm.Api.Application.Segments;

/// <summary>
/// Saved audiences: saved (once per Idempotency-Key), listed, read (counted afresh), renamed or changed, deleted, and a
/// rule group counted and sampled before it is saved. The endpoints and the pages share it.
/// </summary>
public sealed class SegmentCatalog(CrmDbContext db, SegmentQueries segments, IdempotencyKeys keys, Access access, TimeProvider clock)
{
    public const string CreateOperation = "POST /api/segments";

    /// <summary>
    /// Saves <paramref name="request"/> as an audience; with <paramref name="once"/> (an Idempotency-Key) a repeat answers the
    /// audience the first request saved.
    /// </summary>
    public Task<Result<SegmentView>> CreateAsync(SegmentRequest request, IdempotentRequest? once, CancellationToken ct) =>
        access.RunAsync(Operations.CreateSegment, null, () => keys.OnceAsync(once, () => CreateOnceAsync(request, access.Caller.Id, once, ct), ct), ct,
            recordOf: s => s.Id, detailOf: s => $"{s.Name}: {s.Description}");

    private async Task<Result<SegmentView>> CreateOnceAsync(SegmentRequest request, string userId, IdempotentRequest? once, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        var (name, group) = ReadSegment(request, errors, partial: false);
        if (errors.Count > 0)
        {
            return CrmProblem.Invalid(errors);
        }

        var now = clock.GetUtcNow();
        var segment = new Segment
        {
            Id = Guid.CreateVersion7(now),
            Name = name!,
            Rules = SegmentText.ToJson(group!).ToJsonString(),
            Description = SegmentText.Describe(group!),
            CreatedBy = userId,
            CreatedAt = now,
            UpdatedAt = now,
            LastCount = (await segments.CountAsync(SegmentSql.Compile(group!, now), smartSending: true, ct)).Eligible,
            CountedAt = now,
        };
        db.Segments.Add(segment);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (await SaveAsync(ct) is { } conflict)
        {
            await transaction.RollbackAsync(ct);
            return conflict;
        }

        if (once is not null)
        {
            await keys.CompleteAsync(db, once, StatusCodes.Status201Created, SegmentView.From(segment), ct);
        }

        await transaction.CommitAsync(ct);
        return SegmentView.From(segment);
    }

    /// <summary>Saved audiences newest first, optionally whose name contains <paramref name="search"/>; counts as last taken.</summary>
    public async Task<Result<Page<SegmentView>>> ListAsync(int? limit, string? cursor, string? search, CancellationToken ct)
    {
        var parameters = new List<NpgsqlParameter>();
        var conditions = new List<string>();
        if (TextSearch.Add(search, ["name"], conditions, parameters) is { } problem)
        {
            return CrmProblem.Invalid(problem);
        }

        return await NewestFirstPage.ReadAsync(db, db.Segments, "segments", limit, cursor, s => s.Id, s => s.CreatedAt, SegmentView.From, ct, conditions, parameters);
    }

    /// <summary>One saved audience, counted now.</summary>
    public async Task<Result<SegmentView>> GetAsync(Guid id, CancellationToken ct)
    {
        if (await db.Segments.FirstOrDefaultAsync(s => s.Id == id, ct) is not { } segment)
        {
            return CrmProblem.NotFound("No saved audience has this id.");
        }

        await CountAsync(segment, ct);
        await db.SaveChangesAsync(ct);
        return SegmentView.From(segment);
    }

    /// <summary>Renames an audience or changes its rules ({name?, rules?}).</summary>
    public Task<Result<SegmentView>> UpdateAsync(Guid id, SegmentRequest request, CancellationToken ct) =>
        access.RunAsync(Operations.UpdateSegment, id, () => UpdateNowAsync(id, request, ct), ct, detailOf: s => $"{s.Name}: {s.Description}");

    private async Task<Result<SegmentView>> UpdateNowAsync(Guid id, SegmentRequest request, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        var (name, group) = ReadSegment(request, errors, partial: true);
        if (errors.Count > 0)
        {
            return CrmProblem.Invalid(errors);
        }

        if (await db.Segments.FirstOrDefaultAsync(s => s.Id == id, ct) is not { } segment)
        {
            return CrmProblem.NotFound("No saved audience has this id.");
        }

        segment.Name = name ?? segment.Name;
        if (group is not null)
        {
            segment.Rules = SegmentText.ToJson(group).ToJsonString();
            segment.Description = SegmentText.Describe(group);
            await CountAsync(segment, ct);
        }

        segment.UpdatedAt = clock.GetUtcNow();
        return await SaveAsync(ct) is { } conflict ? conflict : SegmentView.From(segment);
    }

    /// <summary>Deletes a saved audience; a conflict while a scheduled campaign uses it.</summary>
    public Task<Result<Done>> DeleteAsync(Guid id, CancellationToken ct) =>
        access.RunAsync(Operations.DeleteSegment, id, () => DeleteNowAsync(id, ct), ct);

    private async Task<Result<Done>> DeleteNowAsync(Guid id, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        // The segment row is locked first, so a campaign scheduled for it meanwhile waits and then finds it gone.
        var found = await db.ListAsync("SELECT 1 FROM segments WHERE id = @id FOR UPDATE",
            [new NpgsqlParameter("id", NpgsqlDbType.Uuid) { Value = id }], r => r.GetInt32(0), ct);
        if (found.Count == 0)
        {
            return CrmProblem.NotFound("No saved audience has this id.");
        }

        var scheduled = await db.Campaigns.AsNoTracking().Where(c => c.SegmentId == id && c.Status == CampaignStatus.Scheduled)
            .OrderBy(c => c.SendAt).Select(c => new { c.Name, c.SendAt }).Take(5).ToListAsync(ct);
        if (scheduled.Count > 0)
        {
            return CrmProblem.Conflict("The audience is in use",
                "Scheduled campaigns use this audience: " +
                string.Join(", ", scheduled.Select(c => $"'{c.Name}' at {c.SendAt:yyyy-MM-dd HH:mm} UTC")) +
                ". Cancel or delete them first, or launch them with rules of their own.");
        }

        await db.Segments.Where(s => s.Id == id).ExecuteDeleteAsync(ct);
        await transaction.CommitAsync(ct);
        return new Done();
    }

    /// <summary>Counts and samples the audience of <paramref name="rules"/> with <see cref="SegmentQueries.PreviewAsync"/>.</summary>
    public async Task<Result<SegmentPreview>> PreviewAsync(RuleNode rules, bool smartSending, CancellationToken ct) =>
        await segments.PreviewAsync(rules, ct, smartSending) switch
        {
            { Preview: { } preview } => preview,
            var refused => CrmProblem.Invalid(refused.Errors),
        };

    private async Task CountAsync(Segment segment, CancellationToken ct)
    {
        using var rules = JsonDocument.Parse(segment.Rules);
        var group = RuleGroupParser.Parse(rules.RootElement, []) ?? RuleGroup.Everyone;
        var now = clock.GetUtcNow();
        segment.LastCount = (await segments.CountAsync(SegmentSql.Compile(group, now), smartSending: true, ct)).Eligible;
        segment.CountedAt = now;
    }

    /// <summary>A name taken by another audience (whatever its case) is a conflict, not a 500.</summary>
    private async Task<CrmProblem?> SaveAsync(CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
            return null;
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return CrmProblem.Conflict("The name is taken", "Another saved audience has this name; choose another.");
        }
    }

    private static (string? Name, RuleGroup? Rules) ReadSegment(SegmentRequest request, List<FieldError> errors, bool partial)
    {
        var name = partial && request.Name is null ? null : TextField.Read(request.Name, "name", errors, required: true, 200);
        RuleGroup? group = null;
        if (request.Rules is not null)
        {
            group = RuleGroupParser.Parse(request.Rules, errors);
        }
        else if (!partial)
        {
            errors.Add(new FieldError("rules", "Required: a rule group, {\"combinator\": \"AND\", \"rules\": []} for everyone."));
        }

        if (partial && name is null && group is null && errors.Count == 0)
        {
            errors.Add(new FieldError("body", "Send a new name, new rules, or both."));
        }

        return (name, group);
    }
}
