using MiniCrm.Api.Http;

namespace MiniCrm.Api.Application.Imports;

/// <summary>Imports newest first, and one import's progress.</summary>
public sealed class ImportQueries(CrmDbContext db)
{
    public Task<Result<Page<ImportView>>> ListAsync(int? limit, string? cursor, CancellationToken ct) =>
        NewestFirstPage.ReadAsync(db, db.Imports, "imports", limit, cursor, i => i.Id, i => i.CreatedAt, ImportView.From, ct);

    public async Task<Result<ImportView>> GetAsync(Guid id, CancellationToken ct) =>
        await db.Imports.AsNoTracking().FirstOrDefaultAsync(i => i.Id == id, ct) is { } import
            ? ImportView.From(import)
            : CrmProblem.NotFound("No import has this id.");
}
