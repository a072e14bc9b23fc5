namespace MiniCrm.Api.Auth;

/// <summary>
/// Whether an address is a path on this site, as strictly as ASP.NET's <c>IsLocalUrl</c>: it starts with one
/// <c>/</c> (or <c>~/</c>), not <c>//</c> or <c>/\</c>, and holds no control character (a browser drops a tab or a line
/// break, so <c>/\t/example.com</c> would become <c>//example.com</c>, another site).
/// </summary>
public static class LocalUrl
{
    public static bool IsLocal(string? url)
    {
        if (string.IsNullOrEmpty(url))
        {
            return false;
        }

        var path = url[0] == '~' && url.Length > 1 && url[1] == '/' ? url.AsSpan(1) : url.AsSpan();
        if (path[0] != '/')
        {
            return false;
        }

        if (path.Length == 1)
        {
            return true;
        }

        return path[1] is not ('/' or '\\') && !path.ContainsAnyInRange('\u0000', '\u001f') && !path.Contains('\u007f') && !path.ContainsAnyInRange('\u0080', '\u009f');
    }

    /// <summary><paramref name="url"/> when it is local, otherwise the home page.</summary>
    public static string OrRoot(string? url) => IsLocal(url) ? url! : "/";
}
