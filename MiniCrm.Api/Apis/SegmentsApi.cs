using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MiniCrm.Api.Auth;
using Microsoft.AspNetCore.Http.HttpResults;
using MiniCrm.Api.Http;
using MiniCrm.Api.Services;
using MiniCrm.Core.Segments;
using Npgsql;
using NpgsqlTypes;

namespace MiniCrm.Api.Apis;


/// <summary>A saved audience with the count last taken of it (<c>countedAt</c>); reading one counts it afresh.</summary>
public sealed record SegmentView(
    Guid Id, string Name, JsonNode? Rules, string Description, long? Count, DateTimeOffset? CountedAt, string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static SegmentView From(Segment s) =>
        new(s.Id, s.Name, JsonNode.Parse(s.Rules), s.Description, s.LastCount, s.CountedAt, s.CreatedBy, s.CreatedAt, s.UpdatedAt);
}

/// <summary><c>{name, rules}</c>; on update either may be left out.</summary>
public sealed record SegmentRequest(string? Name, SegmentNode? Rules);

public static class SegmentsApi
{
    public static IEndpointRouteBuilder MapSegmentsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/segments/preview", Preview)
            .RequireAuthorization(CrmAuthentication.MarketerPolicy)
            .RequireRateLimiting(AbuseLimits.Preview).WithBodyLimit(256 * 1024)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithTags("Segments")
            .WithSummary("How many customers a rule group selects, with a sample of them; smartSending=false counts without smart sending")
            .Accepts<SegmentNode>("application/json")
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        var saved = app.MapGroup("/api/segments").WithTags("Segments").RequireAuthorization(CrmAuthentication.MarketerPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        saved.MapPost("/", CreateSegment).WithSummary("Save an audience: {name, rules}; answers it with its count. Takes an Idempotency-Key")
            .RequireRateLimiting(AbuseLimits.Preview).WithBodyLimit(256 * 1024).Accepts<SegmentRequest>("application/json")
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType).ProducesProblem(StatusCodes.Status429TooManyRequests);
        saved.MapGet("/", ListSegments).WithSummary("Saved audiences, newest first, optionally whose name contains {search}; counts as last taken");
        saved.MapGet("/{id:guid}", GetSegment).WithSummary("One saved audience, counted now")
            .RequireRateLimiting(AbuseLimits.Preview).ProducesProblem(StatusCodes.Status429TooManyRequests);
        saved.MapPut("/{id:guid}", UpdateSegment).WithSummary("Rename a saved audience or change its rules: {name?, rules?}")
            .RequireRateLimiting(AbuseLimits.Preview).WithBodyLimit(256 * 1024).Accepts<SegmentRequest>("application/json")
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType).ProducesProblem(StatusCodes.Status429TooManyRequests);
        saved.MapDelete("/{id:guid}", DeleteSegment).WithSummary("Delete a saved audience; 409 while a scheduled campaign uses it")
            .ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    public static async Task<Results<Created<SegmentView>, ValidationProblem, ProblemHttpResult>> CreateSegment(
        HttpContext context, CrmDbContext db, SegmentQueries segments, IdempotencyKeys keys, TimeProvider clock, CancellationToken ct)
    {
        var (document, error) = await JsonBody.ReadAsync(context.Request, ct);
        using var _ = document;
        if (error is not null)
        {
            return error;
        }

        var once = Idempotency.Request(context, context.User.UserId(), "POST /api/segments", document!.RootElement.GetRawText(), out var keyProblem);
        if (keyProblem is not null)
        {
            return Problems.Validation(keyProblem);
        }

        return await CreateSegmentAsync(document!.RootElement, context.User, db, segments, keys, once, clock, ct, context);
    }

    /// <summary>
    /// Saves an audience from the request's JSON, for the endpoint and the web app's audience builder; with
    /// <paramref name="once"/> (an Idempotency-Key) a repeat answers the audience the first request saved.
    /// </summary>
    public static async Task<Results<Created<SegmentView>, ValidationProblem, ProblemHttpResult>> CreateSegmentAsync(
        JsonElement root, System.Security.Claims.ClaimsPrincipal user, CrmDbContext db, SegmentQueries segments, IdempotencyKeys keys,
        IdempotentRequest? once, TimeProvider clock, CancellationToken ct, HttpContext? context = null)
    {
        if (once is not null)
        {
            var claim = await keys.ClaimAsync(once, ct);
            if (claim.State != ClaimState.New)
            {
                return claim.State == ClaimState.Replay && claim.Answer<SegmentView>() is { } saved
                    ? Idempotency.Replayed(context, TypedResults.Created($"/api/segments/{saved.Id}", saved))
                    : Idempotency.NotUsable(claim.State, context);
            }
        }

        return await keys.GuardAsync(once, () => CreateOnceAsync(root, user, db, segments, keys, once, clock, ct), created => created.Result is Created<SegmentView>);
    }

    private static async Task<Results<Created<SegmentView>, ValidationProblem, ProblemHttpResult>> CreateOnceAsync(
        JsonElement root, System.Security.Claims.ClaimsPrincipal user, CrmDbContext db, SegmentQueries segments, IdempotencyKeys keys,
        IdempotentRequest? once, TimeProvider clock, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        var (name, group) = ReadSegment(root, errors, partial: false);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var now = clock.GetUtcNow();
        var segment = new Segment
        {
            Id = Guid.CreateVersion7(now),
            Name = name!,
            Rules = SegmentText.ToJson(group!).ToJsonString(),
            Description = SegmentText.Describe(group!),
            CreatedBy = user.UserId(),
            CreatedAt = now,
            UpdatedAt = now,
            LastCount = (await segments.CountAsync(SegmentSql.Compile(group!, now), smartSending: true, ct)).Eligible,
            CountedAt = now,
        };
        db.Segments.Add(segment);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (await SaveAsync(db, ct) is { } conflict)
        {
            await transaction.RollbackAsync(ct);
            return conflict;
        }

        if (once is not null)
        {
            await keys.CompleteAsync(db, once, StatusCodes.Status201Created, SegmentView.From(segment), ct);
        }

        await transaction.CommitAsync(ct);
        return TypedResults.Created($"/api/segments/{segment.Id}", SegmentView.From(segment));
    }

    public static async Task<Results<Ok<Page<SegmentView>>, ValidationProblem>> ListSegments(CrmDbContext db, int? limit, string? cursor, string? search, CancellationToken ct)
    {
        var parameters = new List<NpgsqlParameter>();
        var conditions = new List<string>();
        if (TextSearch.Add(search, ["name"], conditions, parameters) is { } problem)
        {
            return Problems.Validation(problem);
        }

        return await NewestFirstPage.ReadAsync(db, db.Segments, "segments", limit, cursor, s => s.Id, s => s.CreatedAt, SegmentView.From, ct, conditions, parameters);
    }

    public static async Task<Results<Ok<SegmentView>, NotFound>> GetSegment(Guid id, CrmDbContext db, SegmentQueries segments, TimeProvider clock, CancellationToken ct)
    {
        if (await db.Segments.FirstOrDefaultAsync(s => s.Id == id, ct) is not { } segment)
        {
            return TypedResults.NotFound();
        }

        await CountAsync(segment, segments, clock, ct);
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(SegmentView.From(segment));
    }

    public static async Task<Results<Ok<SegmentView>, NotFound, ValidationProblem, ProblemHttpResult>> UpdateSegment(
        Guid id, HttpContext context, CrmDbContext db, SegmentQueries segments, TimeProvider clock, CancellationToken ct)
    {
        var (document, error) = await JsonBody.ReadAsync(context.Request, ct);
        using var _ = document;
        if (error is not null)
        {
            return error;
        }

        return await UpdateSegmentAsync(id, document!.RootElement, db, segments, clock, ct);
    }

    /// <summary>Renames an audience or changes its rules from the request's JSON.</summary>
    public static async Task<Results<Ok<SegmentView>, NotFound, ValidationProblem, ProblemHttpResult>> UpdateSegmentAsync(
        Guid id, JsonElement root, CrmDbContext db, SegmentQueries segments, TimeProvider clock, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        var (name, group) = ReadSegment(root, errors, partial: true);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        if (await db.Segments.FirstOrDefaultAsync(s => s.Id == id, ct) is not { } segment)
        {
            return TypedResults.NotFound();
        }

        segment.Name = name ?? segment.Name;
        if (group is not null)
        {
            segment.Rules = SegmentText.ToJson(group).ToJsonString();
            segment.Description = SegmentText.Describe(group);
            await CountAsync(segment, segments, clock, ct);
        }

        segment.UpdatedAt = clock.GetUtcNow();
        return await SaveAsync(db, ct) is { } conflict ? conflict : TypedResults.Ok(SegmentView.From(segment));
    }

    public static async Task<Results<NoContent, NotFound, ProblemHttpResult>> DeleteSegment(Guid id, CrmDbContext db, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        // The segment row is locked first, so a campaign scheduled for it meanwhile waits and then finds it gone.
        var found = await db.ListAsync("SELECT 1 FROM segments WHERE id = @id FOR UPDATE",
            [new NpgsqlParameter("id", NpgsqlDbType.Uuid) { Value = id }], r => r.GetInt32(0), ct);
        if (found.Count == 0)
        {
            return TypedResults.NotFound();
        }

        var scheduled = await db.Campaigns.AsNoTracking().Where(c => c.SegmentId == id && c.Status == CampaignStatus.Scheduled)
            .OrderBy(c => c.SendAt).Select(c => new { c.Name, c.SendAt }).Take(5).ToListAsync(ct);
        if (scheduled.Count > 0)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The audience is in use",
                detail: "Scheduled campaigns use this audience: " +
                        string.Join(", ", scheduled.Select(c => $"'{c.Name}' at {c.SendAt:yyyy-MM-dd HH:mm} UTC")) +
                        ". Cancel or delete them first, or launch them with rules of their own.");
        }

        await db.Segments.Where(s => s.Id == id).ExecuteDeleteAsync(ct);
        await transaction.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task CountAsync(Segment segment, SegmentQueries segments, TimeProvider clock, CancellationToken ct)
    {
        using var rules = JsonDocument.Parse(segment.Rules);
        var group = RuleGroupParser.Parse(rules.RootElement, []) ?? RuleGroup.Everyone;
        var now = clock.GetUtcNow();
        segment.LastCount = (await segments.CountAsync(SegmentSql.Compile(group, now), smartSending: true, ct)).Eligible;
        segment.CountedAt = now;
    }

    /// <summary>A name taken by another audience (whatever its case) is a 409, not a 500.</summary>
    private static async Task<ProblemHttpResult?> SaveAsync(CrmDbContext db, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
            return null;
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The name is taken",
                detail: "Another saved audience has this name; choose another.");
        }
    }

    private static (string? Name, RuleGroup? Rules) ReadSegment(JsonElement root, List<FieldError> errors, bool partial)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new FieldError("body", "Send {\"name\", \"rules\"}."));
            return (null, null);
        }

        var name = partial && !root.TryGetProperty("name", out _) ? null : new FieldReader(root, "", errors).String("name", required: true, 200);
        RuleGroup? group = null;
        if (root.TryGetProperty("rules", out var rules))
        {
            group = RuleGroupParser.Parse(rules, errors);
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

    /// <param name="smartSending">false counts the audience as a campaign with smart sending turned off would reach it (default true).</param>
    public static async Task<Results<Ok<SegmentPreview>, ValidationProblem, ProblemHttpResult>> Preview(
        HttpContext context, SegmentQueries segments, bool? smartSending, CancellationToken ct)
    {
        var (document, error) = await JsonBody.ReadAsync(context.Request, ct);
        using var _ = document;
        if (error is not null)
        {
            return error;
        }

        return await PreviewAsync(document!.RootElement, segments, ct, smartSending ?? true);
    }

    /// <summary>Counts and samples the audience of a rule group (the request's JSON) with <see cref="SegmentQueries.PreviewAsync"/>.</summary>
    public static async Task<Results<Ok<SegmentPreview>, ValidationProblem, ProblemHttpResult>> PreviewAsync(JsonElement root, SegmentQueries segments, CancellationToken ct,
        bool smartSending = true) =>
        await segments.PreviewAsync(root, ct, smartSending) switch
        {
            { Preview: { } preview } => TypedResults.Ok(preview),
            var refused => Problems.Validation(refused.Errors),
        };
}
