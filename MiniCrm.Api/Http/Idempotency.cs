using MiniCrm.Core.Segments;

namespace MiniCrm.Api.Http;

/// <summary>The <c>Idempotency-Key</c> header of a create, and the answers about it (see <see cref="IdempotencyKeys"/>).</summary>
internal static class Idempotency
{
    public const string Header = "Idempotency-Key";

    public const int MaxKeyLength = 255;

    /// <summary>The header's key, or why it cannot be one; null when the request has none.</summary>
    public static string? Read(HttpRequest request, out FieldError? problem)
    {
        problem = null;
        if (!request.Headers.TryGetValue(Header, out var values))
        {
            return null;
        }

        var key = values.Count == 1 ? values[0] : null;
        if (key is null || key.Length is 0 or > MaxKeyLength || key.Any(c => c is < '!' or > '~'))
        {
            problem = new(Header, $"One key of 1 to {MaxKeyLength} visible ASCII characters, such as a UUID, new for each new request.");
            return null;
        }

        return key;
    }

    /// <summary>
    /// The request's key for <paramref name="operation"/>, owned by <paramref name="owner"/> and standing for
    /// <paramref name="fingerprint"/> (the body, or what stands for it): null without a key, and with a key that is not
    /// one (<paramref name="problem"/>, a 400 naming the header).
    /// </summary>
    public static IdempotentRequest? Request(HttpContext context, string owner, string operation, string fingerprint, out FieldError? problem)
    {
        var key = Read(context.Request, out problem);
        return problem is null ? IdempotentRequest.For(key, owner, operation, fingerprint) : null;
    }

    /// <summary>A repeat of a create made with the same key: the first answer again, marked as such.</summary>
    public static T Replayed<T>(HttpContext? context, T answer)
    {
        context?.Response.Headers["Idempotent-Replayed"] = "true";
        return answer;
    }
}
