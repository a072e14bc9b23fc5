using System.Globalization;
using System.Reflection;
using Microsoft.AspNetCore.Mvc.ApiExplorer;

namespace MiniCrm.Api.Http;

/// <summary>
/// Every operation's <c>operationId</c>, which generated clients name their methods from: the handler's name
/// (<c>ListCampaigns</c>, <c>PauseCampaign</c>), or for a lambda the HTTP method and the route
/// (<c>PostApiCustomersIdUnsubscribe</c>). An endpoint named with <c>WithName</c> keeps its name.
/// </summary>
internal static class OperationIds
{
    public static string Of(ApiDescription description)
    {
        var handler = description.ActionDescriptor.EndpointMetadata.OfType<MethodInfo>().FirstOrDefault();
        if (handler is not null && handler.Name.All(char.IsAsciiLetterOrDigit))
        {
            return handler.Name.EndsWith("Async", StringComparison.Ordinal) ? handler.Name[..^5] : handler.Name;
        }

        return FromRoute(description);
    }

    private static string FromRoute(ApiDescription description)
    {
        var words = new List<string> { Capitalise((description.HttpMethod ?? "get").ToLowerInvariant()) };
        foreach (var segment in (description.RelativePath ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var word = segment.Trim('{', '}').Split(':', '?')[0];
            words.AddRange(word.Split('-', '.', '_').Where(w => w.Length > 0).Select(Capitalise));
        }

        return string.Concat(words);
    }

    private static string Capitalise(string word) => char.ToUpper(word[0], CultureInfo.InvariantCulture) + word[1..];
}
