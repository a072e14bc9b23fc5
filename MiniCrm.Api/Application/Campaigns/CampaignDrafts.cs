using MiniCrm.Api.Application.Team;
using MiniCrm.Api.Http;
using System.Text.Json;
using MiniCrm.Core.Segments;
using MiniCrm.Core.Text;

namespace MiniCrm.Api.Application.Campaigns;

/// <summary>
/// Campaigns being composed, kept as the marketer types (the composer saves a second after each change), so Back,
/// a reload or a colleague finds them. A draft holds whatever the composer has, finished or not: it is checked only
/// to be storable (an object of at most 64 KiB whose text PostgreSQL can keep); the launch checks the campaign.
/// </summary>
public sealed class CampaignDrafts(CrmDbContext db, IdempotencyKeys keys, Access access, TimeProvider clock)
{
    public const int MaxBytes = 64 * 1024;

    /// <summary>How deep a draft's JSON may nest (a rule group of ten levels is about forty): it is answered inside a view.</summary>
    public const int MaxDepth = 48;

    public const string Operation = "POST /api/campaigns/drafts";

    /// <summary>Drafts still being composed, most recently edited first, optionally whose name contains <paramref name="search"/>, each with who last changed it by name.</summary>
    public async Task<Result<Page<DraftView>>> ListAsync(int? limit, string? cursor, string? search, CancellationToken ct)
    {
        var conditions = new List<string> { "campaign_id IS NULL" };
        var parameters = new List<Npgsql.NpgsqlParameter>();
        if (TextSearch.Add(search, ["name"], conditions, parameters) is { } problem)
        {
            return CrmProblem.Invalid(problem);
        }

        var page = await NewestFirstPage.ReadAsync(db, db.CampaignDrafts, "campaign_drafts", limit, cursor, d => d.Id, d => d.UpdatedAt, d => DraftView.From(d), ct,
            conditions, parameters, column: "updated_at");
        if (page.Value is not { } drafts)
        {
            return page;
        }

        // Who last changed each, by name: one query for the page.
        var ids = drafts.Items.Select(d => d.UpdatedBy).Distinct().ToList();
        var names = await db.Users.AsNoTracking().Where(u => ids.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.Name, ct);
        return drafts with { Items = [.. drafts.Items.Select(d => d with { UpdatedByName = names.GetValueOrDefault(d.UpdatedBy) })] };
    }

    public async Task<DraftView?> GetAsync(Guid id, CancellationToken ct) =>
        await db.CampaignDrafts.AsNoTracking().FirstOrDefaultAsync(d => d.Id == id, ct) is { } draft ? await ViewAsync(draft, ct) : null;

    /// <summary>
    /// A new draft of <paramref name="content"/>, once per Idempotency-Key (<paramref name="once"/>): a repeat answers the
    /// first draft (replayed); a key that cannot be used answers why, and no draft.
    /// </summary>
    public Task<Result<DraftView>> CreateAsync(DraftContent content, IdempotentRequest? once, CancellationToken ct) =>
        access.RunAsync(Operations.CreateDraft, null, async () =>
        {
            if (once is not null)
            {
                var claim = await keys.ClaimAsync(once, ct);
                if (claim.State != ClaimState.New)
                {
                    return claim.State == ClaimState.Replay && claim.Answer<DraftView>() is { } first ? Result<DraftView>.Again(first) : IdempotencyKeys.Refusal(claim.State);
                }
            }

            var (draft, errors) = await keys.GuardAsync(once, () => CreateOnceAsync(content, once, ct), created => created.Draft is not null);
            return draft ?? (Result<DraftView>)CrmProblem.Invalid(errors);
        }, ct, recordOf: d => d.Id);

    private async Task<(DraftView? Draft, IReadOnlyList<FieldError> Errors)> CreateOnceAsync(DraftContent content, IdempotentRequest? once, CancellationToken ct)
    {
        var (json, errors) = Check(content);
        if (errors.Count > 0)
        {
            return (null, errors);
        }

        var now = clock.GetUtcNow();
        var draft = new CampaignDraft
        {
            Id = Guid.CreateVersion7(now),
            Name = NameOf(content),
            Content = json!,
            CreatedBy = access.Caller.Id,
            UpdatedBy = access.Caller.Id,
            CreatedAt = now,
            UpdatedAt = now,
        };
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        db.CampaignDrafts.Add(draft);
        await db.SaveChangesAsync(ct);
        var view = await ViewAsync(draft, ct);
        if (once is not null)
        {
            await keys.CompleteAsync(db, once, StatusCodes.Status201Created, view, ct);
        }

        await transaction.CommitAsync(ct);
        return (view, []);
    }

    /// <summary>Replaces a draft's content; a launched draft no longer changes (409).</summary>
    public Task<Result<DraftView>> UpdateAsync(Guid id, DraftContent content, CancellationToken ct) =>
        access.RunAsync<DraftView>(Operations.UpdateDraft, id, async () =>
        {
            var (json, errors) = Check(content);
            if (errors.Count > 0)
            {
                return CrmProblem.Invalid(errors);
            }

            var changed = await db.CampaignDrafts.Where(d => d.Id == id && d.CampaignId == null).ExecuteUpdateAsync(d => d
                .SetProperty(x => x.Content, json!)
                .SetProperty(x => x.Name, NameOf(content))
                .SetProperty(x => x.UpdatedBy, access.Caller.Id)
                .SetProperty(x => x.UpdatedAt, clock.GetUtcNow()), ct);
            var draft = await GetAsync(id, ct);
            return draft is null ? CrmProblem.NotFound("No draft has this id.")
                : changed == 1 ? draft
                : CrmProblem.Conflict("Launched already", "This draft was launched already; its campaign is the one to look at.");
        }, ct, detailOf: d => d.Name);

    public Task<Result<Done>> DeleteAsync(Guid id, CancellationToken ct) =>
        access.RunAsync<Done>(Operations.DeleteDraft, id, async () =>
            await db.CampaignDrafts.Where(d => d.Id == id).ExecuteDeleteAsync(ct) == 1 ? new Done() : (Result<Done>)CrmProblem.NotFound("No draft has this id."), ct);

    /// <summary>Only what the database could not keep: the composer's unfinished work is the marketer's business.</summary>
    /// <returns>The draft as it is kept (JSON), or the errors.</returns>
    private static (string? Json, List<FieldError> Errors) Check(DraftContent content)
    {
        var errors = new List<FieldError>();
        foreach (var (field, text) in new[] { ("name", content.Name), ("message", content.Message), ("sendAt", content.SendAt), ("timeZone", content.TimeZone) })
        {
            if (text is not null && StoredText.Problem(text, allowLineBreaks: true) is { } problem)
            {
                errors.Add(new FieldError(field, problem));
            }
        }

        if (content.Rules is { } rules)
        {
            Walk(rules, "rules", 2, errors);
        }

        foreach (var (field, value) in content.Other ?? [])
        {
            if (StoredText.Problem(field) is not null)
            {
                errors.Add(new FieldError("body", "A field's name must be text PostgreSQL can keep (no NUL, control characters or lone surrogates)."));
                continue;
            }

            Walk(value, field, 2, errors);
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        var json = ApiJson.Fingerprint(content, ApiJson.Default.DraftContent);
        if (System.Text.Encoding.UTF8.GetByteCount(json) > MaxBytes)
        {
            errors.Add(new FieldError("body", $"A draft is at most {MaxBytes / 1024} KiB."));
        }

        return (json, errors);
    }

    private static void Walk(JsonElement value, string path, int depth, List<FieldError> errors)
    {
        if (errors.Count >= 20)
        {
            return; // enough to say what is wrong
        }

        if (depth > MaxDepth)
        {
            errors.Add(new FieldError(path.Length == 0 ? "body" : path, $"A draft nests at most {MaxDepth} levels deep."));
            return;
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                if (StoredText.Read(value, out var problem, allowLineBreaks: true) is null && errors.Count < 20)
                {
                    errors.Add(new FieldError(path.Length == 0 ? "body" : path, problem!));
                }

                break;
            case JsonValueKind.Number:
                // jsonb keeps numbers as numeric: a huge exponent would overflow it.
                if ((value.GetRawText().Length > 40 || !value.TryGetDouble(out var number) || !double.IsFinite(number)) && errors.Count < 20)
                {
                    errors.Add(new FieldError(path.Length == 0 ? "body" : path, "Numbers in a draft are at most 40 characters long."));
                }

                break;
            case JsonValueKind.Object:
                foreach (var property in value.EnumerateObject())
                {
                    string? name;
                    try
                    {
                        name = StoredText.Problem(property.Name) is null ? property.Name : null;
                    }
                    catch (InvalidOperationException)
                    {
                        name = null; // a lone surrogate escape
                    }

                    if (name is null)
                    {
                        errors.Add(new FieldError(path.Length == 0 ? "body" : path, "A field's name must be text PostgreSQL can keep (no NUL, control characters or lone surrogates)."));
                        continue;
                    }

                    Walk(property.Value, path.Length == 0 ? name : $"{path}.{name}", depth + 1, errors);
                }

                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in value.EnumerateArray())
                {
                    Walk(item, $"{path}[{i++}]", depth + 1, errors);
                }

                break;
        }
    }

    private static string NameOf(DraftContent content) => StoredText.Truncate(content.Name?.Trim() ?? "", 200);

    private async Task<DraftView> ViewAsync(CampaignDraft draft, CancellationToken ct) =>
        DraftView.From(draft, await db.Users.Where(u => u.Id == draft.UpdatedBy).Select(u => u.Name).FirstOrDefaultAsync(ct));
}
