using MiniCrm.Api.Auth;
using Microsoft.AspNetCore.Http.HttpResults;
using MiniCrm.Api.Http;
using MiniCrm.Api.Services;
using MiniCrm.Core.Segments;

namespace MiniCrm.Api.Apis;

public sealed record SegmentPreview(long Count, string Description, IReadOnlyList<CustomerSummary> Sample);

public static class SegmentsApi
{
    public const int SampleSize = 10;

    public static IEndpointRouteBuilder MapSegmentsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/segments/preview", Preview)
            .RequireAuthorization(CrmAuthentication.MarketerPolicy)
            .RequireRateLimiting(AbuseLimits.Preview).WithBodyLimit(256 * 1024)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithTags("Segments")
            .WithSummary("How many customers a rule group selects, with a sample of them")
            .Accepts<SegmentNode>("application/json")
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        return app;
    }

    public static async Task<Results<Ok<SegmentPreview>, ValidationProblem, ProblemHttpResult>> Preview(
        HttpContext context, SegmentQueries segments, IServiceScopeFactory scopes, TimeProvider clock, CancellationToken ct)
    {
        var (document, error) = await JsonBody.ReadAsync(context.Request, ct);
        using var _ = document;
        if (error is not null)
        {
            return error;
        }

        var errors = new List<FieldError>();
        if (RuleGroupParser.Parse(document!.RootElement, errors) is not { } group)
        {
            return Problems.Validation(errors);
        }

        var segment = SegmentSql.Compile(group, clock.GetUtcNow());
        // The count and the sample run side by side, each on its own connection: the answer takes the longer of the two.
        await using var sampleScope = scopes.CreateAsyncScope();
        var sample = sampleScope.ServiceProvider.GetRequiredService<SegmentQueries>().SampleAsync(segment, SampleSize, ct);
        var count = await segments.CountAsync(segment, ct);
        return TypedResults.Ok(new SegmentPreview(count, SegmentText.Describe(group), await sample));
    }
}
