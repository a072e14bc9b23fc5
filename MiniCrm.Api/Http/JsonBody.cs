using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using MiniCrm.Core.Segments;

namespace MiniCrm.Api.Http;

/// <summary>
/// Reads request bodies as JSON documents, so malformed JSON, wrong types and unknown values each
/// get a precise field error instead of the framework's generic 400. Errors are problem details
/// any endpoint can return as they are.
/// </summary>
internal static class JsonBody
{
    public static async Task<(JsonDocument? Document, ProblemHttpResult? Error)> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentType is not { } type || !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return (null, TypedResults.Problem(
                statusCode: StatusCodes.Status415UnsupportedMediaType,
                title: "Unsupported media type",
                detail: "Send the body as JSON with 'Content-Type: application/json'."));
        }

        try
        {
            return (await JsonDocument.ParseAsync(request.Body, new JsonDocumentOptions { MaxDepth = 64 }, ct), null);
        }
        catch (JsonException ex)
        {
            return (null, Problems.InvalidBody(new FieldError("body", $"The body is not valid JSON: {ex.Message}")));
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request too large", detail: ex.Message));
        }
    }

    /// <summary>One object or an array of objects, as the ingestion endpoints take.</summary>
    public static IReadOnlyList<JsonElement>? Items(JsonElement root, int maxItems, out ProblemHttpResult? error)
    {
        error = null;
        switch (root.ValueKind)
        {
            case JsonValueKind.Object:
                return [root];
            case JsonValueKind.Array:
                var count = root.GetArrayLength();
                if (count == 0)
                {
                    error = Problems.InvalidBody(new FieldError("body", "The array is empty; send at least one item."));
                    return null;
                }

                if (count > maxItems)
                {
                    error = Problems.InvalidBody(new FieldError("body", $"At most {maxItems} items per request; this one has {count}. Split it into several requests."));
                    return null;
                }

                return [.. root.EnumerateArray()];
            default:
                error = Problems.InvalidBody(new FieldError("body", "Send one object or an array of objects."));
                return null;
        }
    }
}
