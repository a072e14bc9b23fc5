using System.Text.Json;

namespace MiniCrm.Core.Text;

/// <summary>
/// Text the database can hold. PostgreSQL's text types cannot store NUL, and a lone UTF-16
/// surrogate cannot be encoded as UTF-8 at all; both reach a request as JSON escapes
/// (<c>"\u0000"</c>, <c>"\udc00"</c>), so every string read from a request goes through here and
/// gets a field error instead of failing later in a database driver.
/// </summary>
public static class StoredText
{
    /// <summary>Reads a JSON string; returns null and a reason when it is not text the CRM can store.</summary>
    public static string? Read(JsonElement value, out string? problem, bool allowLineBreaks = false)
    {
        problem = null;
        string text;
        try
        {
            text = value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // System.Text.Json refuses to unescape a lone surrogate.
            problem = "Must be valid Unicode text (it contains a lone surrogate escape).";
            return null;
        }

        problem = Problem(text, allowLineBreaks);
        return problem is null ? text : null;
    }

    /// <returns>null when <paramref name="text"/> can be stored, otherwise what is wrong with it.</returns>
    public static string? Problem(string text, bool allowLineBreaks = false)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\0')
            {
                return "Must not contain the NUL character (\\u0000).";
            }

            if (char.IsControl(c) && !(allowLineBreaks && c is '\n' or '\r' or '\t'))
            {
                return $"Must not contain control characters (found \\u{(int)c:x4}).";
            }

            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return "Must be valid Unicode text (it contains a lone surrogate).";
            }
        }

        return null;
    }

    /// <summary>At most <paramref name="max"/> UTF-16 units of <paramref name="text"/>, never cutting a character in half (a surrogate pair).</summary>
    public static string Truncate(string text, int max)
    {
        if (text.Length <= max)
        {
            return text;
        }

        var end = max > 0 && char.IsHighSurrogate(text[max - 1]) ? max - 1 : max;
        return text[..end];
    }

    /// <summary>Makes text from outside (a vendor's reason, a log line) storable: drops what PostgreSQL cannot hold.</summary>
    public static string Clean(string text)
    {
        if (Problem(text, allowLineBreaks: true) is null)
        {
            return text;
        }

        var cleaned = new System.Text.StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                cleaned.Append(c).Append(text[++i]);
            }
            else if (c == '\0' || char.IsSurrogate(c) || (char.IsControl(c) && c is not ('\n' or '\r' or '\t')))
            {
                cleaned.Append('\uFFFD');
            }
            else
            {
                cleaned.Append(c);
            }
        }

        return cleaned.ToString();
    }
}
