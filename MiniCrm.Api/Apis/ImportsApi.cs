using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using MiniCrm.Api.Application.Imports;
using MiniCrm.Api.Auth;
using MiniCrm.Api.Http;
using MiniCrm.Api.Imports;
using MiniCrm.ServiceDefaults.Operations;
using Npgsql;
using NpgsqlTypes;

namespace MiniCrm.Api.Apis;

public static class ImportsApi
{
    public static IEndpointRouteBuilder MapImportsApi(this IEndpointRouteBuilder app)
    {
        var imports = app.MapGroup("/api/imports").WithTags("Imports").RequireAuthorization(CrmAuthentication.MarketerPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        var maxBytes = (long)app.ServiceProvider.GetRequiredService<IOptions<ImportOptions>>().Value.MaxFileMegabytes * 1024 * 1024;
        foreach (var kind in new[] { ImportKind.Customers, ImportKind.Orders })
        {
            imports.MapPost($"/{kind.ToString().ToLowerInvariant()}", (HttpContext context, CrmDbContext db, ImportFile files, IdempotencyKeys keys, Access access, DrainSignal drain, CancellationToken ct) =>
                    UploadAsync(kind, context, db, files, keys, access, drain, ct))
                .WithSummary($"Import {kind.ToString().ToLowerInvariant()} from CSV (Content-Type: text/csv): {ImportRows.Expected(kind)}; answers 202 with the import. Takes an Idempotency-Key")
                .RequireRateLimiting(AbuseLimits.Launch).WithBodyLimit(maxBytes)
                .Accepts<string>("text/csv")
                .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status413PayloadTooLarge)
                .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
                .ProducesProblem(StatusCodes.Status415UnsupportedMediaType).ProducesProblem(StatusCodes.Status429TooManyRequests)
                .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        }

        imports.MapGet("/", ListImports).WithSummary("Imports, newest first, a page at a time");
        imports.MapGet("/{id:guid}", GetImport).WithSummary("One import's progress");
        imports.MapGet("/{id:guid}/rejected", RejectedRows).WithSummary("The rows an import could not take, as CSV: line,field,reason");
        return app;
    }

    /// <summary>
    /// Stores the upload, then answers 202 with the import. With an Idempotency-Key (its fingerprint: the kind, the file
    /// name and the declared length, as the body is streamed, not held) a repeat answers the first upload's import.
    /// </summary>
    private static async Task<Results<Accepted<ImportView>, ProblemHttpResult>> UploadAsync(
        ImportKind kind, HttpContext context, CrmDbContext db, ImportFile files, IdempotencyKeys keys, Access access, DrainSignal drain, CancellationToken ct)
    {
        if (access.Refuse(Operations.StartImport) is { } refused)
        {
            return ResultHttp.Problem(refused, context);
        }

        if (drain.IsDraining)
        {
            return Problems.Stopping(context);
        }

        if (context.Request.ContentType is not { } type ||
            !(type.StartsWith("text/csv", StringComparison.OrdinalIgnoreCase) || type.StartsWith("application/csv", StringComparison.OrdinalIgnoreCase)))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type",
                detail: "Send the file as CSV with 'Content-Type: text/csv' (curl --data-binary @file.csv).");
        }

        var once = Idempotency.Request(context, context.User.UserId(), $"POST /api/imports/{kind}",
            $"{FileName(context.Request)}\n{context.Request.ContentLength?.ToString(CultureInfo.InvariantCulture)}", out var keyProblem);
        if (keyProblem is not null)
        {
            return Problems.InvalidBody(keyProblem);
        }

        if (once is not null)
        {
            var claim = await keys.ClaimAsync(once, ct);
            if (claim.State != ClaimState.New)
            {
                return claim.State == ClaimState.Replay && claim.Answer<ImportView>() is { } first
                    ? Idempotency.Replayed(context, TypedResults.Accepted($"/api/imports/{first.Id}", await db.Imports.AsNoTracking().FirstOrDefaultAsync(i => i.Id == first.Id, ct) is { } now ? ImportView.From(now) : first))
                    : ResultHttp.Problem(IdempotencyKeys.Refusal(claim.State), context);
            }
        }

        var answer = await keys.GuardAsync(once, () => StoreUploadAsync(kind, context, db, files, keys, once, ct), answer => answer.Result is Accepted<ImportView>);
        if (answer.Result is Accepted<ImportView> { Value: { } started })
        {
            await access.RecordAsync(Operations.StartImport, started.Id, $"{kind.ToString().ToLowerInvariant()}: {started.FileName ?? "(no name)"}, {started.Bytes} bytes", CancellationToken.None);
        }

        return answer;
    }

    private static async Task<Results<Accepted<ImportView>, ProblemHttpResult>> StoreUploadAsync(
        ImportKind kind, HttpContext context, CrmDbContext db, ImportFile files, IdempotencyKeys keys, IdempotentRequest? once, CancellationToken ct)
    {
        var import = new Import
        {
            Id = Guid.CreateVersion7(),
            Kind = kind,
            Status = ImportStatus.Receiving,
            FileName = FileName(context.Request),
            CreatedBy = context.User.UserId(),
            CreatedAt = DateTimeOffset.UtcNow,
        };
        db.Imports.Add(import);
        await db.SaveChangesAsync(ct);

        try
        {
            var (bytes, chunks, first) = await files.StoreAsync(import.Id, context.Request.Body, ct);
            // The header is checked before the answer, so a wrong file is a 400 now rather than a failed import later.
            var header = await new CsvRecords(new StringReader(Encoding.UTF8.GetString(first).TrimStart('\uFEFF'))).ReadAsync(ct);
            if (ImportRows.FromHeader(kind, header).Problem is { } problem)
            {
                await DeleteAsync(db, import.Id);
                return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The CSV header will not do", detail: problem);
            }

            import.Bytes = bytes;
            import.Chunks = chunks;
            import.Status = ImportStatus.Queued;
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            await db.SaveChangesAsync(ct);
            if (once is not null)
            {
                await keys.CompleteAsync(db, once, StatusCodes.Status202Accepted, ImportView.From(import), ct);
            }

            await transaction.CommitAsync(ct);
            return TypedResults.Accepted($"/api/imports/{import.Id}", ImportView.From(import));
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await DeleteAsync(db, import.Id);
            return TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "The file is too large", detail: ex.Message);
        }
        catch (Exception ex) when (ex is BadHttpRequestException or IOException or OperationCanceledException)
        {
            // The upload broke off: nothing of it is kept.
            await DeleteAsync(db, import.Id);
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The upload did not complete", detail: "Nothing was imported; send the file again.");
        }
    }

    private static async Task DeleteAsync(CrmDbContext db, Guid id) =>
        await db.Imports.Where(i => i.Id == id).ExecuteDeleteAsync(CancellationToken.None);

    private static string? FileName(HttpRequest request) =>
        request.Headers["X-File-Name"].ToString() is { Length: > 0 and <= 255 } name && MiniCrm.Core.Text.StoredText.Problem(name) is null ? name : null;

    public static async Task<Results<Ok<Page<ImportView>>, ValidationProblem>> ListImports(ImportQueries imports, int? limit, string? cursor, CancellationToken ct) =>
        (await imports.ListAsync(limit, cursor, ct)).OkOrInvalid();

    public static async Task<Results<Ok<ImportView>, NotFound>> GetImport(Guid id, ImportQueries imports, CancellationToken ct) =>
        (await imports.GetAsync(id, ct)).OkOrNotFound();

    /// <summary>Streamed from the database in line order, however many there are.</summary>
    public static async Task<Results<EmptyHttpResult, NotFound>> RejectedRows(Guid id, HttpContext context, NpgsqlDataSource database, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using (var exists = new NpgsqlCommand("SELECT 1 FROM imports WHERE id = @id", connection))
        {
            exists.Parameters.Add(new NpgsqlParameter("id", NpgsqlDbType.Uuid) { Value = id });
            if (await exists.ExecuteScalarAsync(ct) is null)
            {
                return TypedResults.NotFound();
            }
        }

        await CsvDownload.WriteAsync(context, connection, $"import-{id}-rejected.csv", "line,field,reason",
            "SELECT line, field, reason FROM import_rejections WHERE import_id = @id ORDER BY line, id",
            [new NpgsqlParameter("id", NpgsqlDbType.Uuid) { Value = id }],
            r => [r.GetInt64(0).ToString(CultureInfo.InvariantCulture), r.GetString(1), r.GetString(2)], ct);
        return TypedResults.Empty;
    }
}
