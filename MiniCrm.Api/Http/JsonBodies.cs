using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;
using MiniCrm.Core.Text;

namespace MiniCrm.Api.Http;

/// <summary>
/// Before an endpoint binds its JSON body: answers 415 for another content type, 400 for JSON that does not parse,
/// 413 past the endpoint's limit, and 400 naming every field whose value has the wrong shape (<see cref="JsonShape"/>).
/// What passes binds without a failure, so the framework's bare 400 is never the answer. Endpoints that read their
/// body themselves (ingestion and receipts accept items one by one) do not bind it and are not checked here.
/// </summary>
internal static class JsonBodies
{
    private static readonly ConcurrentDictionary<Endpoint, Type?> BoundTypes = new();

    /// <summary>Where the body sits in the field paths of its problems, when it is a field of its own (a preview's body is its <c>rules</c>).</summary>
    public sealed record Root(string Path);

    /// <summary>Names the body's fields from <paramref name="path"/>, as the command's validator names them.</summary>
    public static TBuilder WithBodyPath<TBuilder>(this TBuilder endpoint, string path) where TBuilder : IEndpointConventionBuilder =>
        endpoint.WithMetadata(new Root(path));

    public static IApplicationBuilder UseJsonBodies(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.GetEndpoint() is { } endpoint && BoundTypes.GetOrAdd(endpoint, BoundType) is { } type &&
            !await CheckAsync(context, type, endpoint.Metadata.GetMetadata<Root>()?.Path ?? ""))
        {
            return;
        }

        await next(context);
    });

    /// <summary>The body type an endpoint's handler binds: its accepted request type, when a parameter has that type.</summary>
    private static Type? BoundType(Endpoint endpoint) =>
        endpoint.Metadata.GetMetadata<IAcceptsMetadata>() is { RequestType: { } type } &&
        endpoint.Metadata.GetMetadata<MethodInfo>()?.GetParameters().Any(p => p.ParameterType == type) == true
            ? type
            : null;

    private static async Task<bool> CheckAsync(HttpContext context, Type type, string path)
    {
        context.Request.EnableBuffering();
        var (document, error) = await JsonBody.ReadAsync(context.Request, context.RequestAborted);
        using (document)
        {
            if (error is null)
            {
                var options = context.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
                var errors = JsonShape.Check(document!.RootElement, options.GetTypeInfo(type), path);
                if (errors.Count > 0)
                {
                    error = Problems.InvalidBody(errors);
                }
            }
        }

        if (error is not null)
        {
            await error.ExecuteAsync(context);
            return false;
        }

        context.Request.Body.Position = 0;
        return true;
    }
}
