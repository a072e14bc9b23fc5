using System.Buffers.Text;
using System.Text;

namespace MiniCrm.Api.Http;

/// <summary>
/// An opaque paging cursor: the sort value and id of the last row of a page. The next page starts
/// strictly after it, so a page costs the same at row 50 and at row 1,000,000 (no OFFSET scan).
/// </summary>
internal static class KeysetCursor
{
    public static string Encode(string sortValue, string id) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(sortValue + "\n" + id));

    public static bool TryDecode(string? cursor, out string sortValue, out string id)
    {
        sortValue = id = "";
        if (string.IsNullOrEmpty(cursor))
        {
            return false;
        }

        try
        {
            var parts = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor)).Split('\n');
            if (parts.Length != 2)
            {
                return false;
            }

            (sortValue, id) = (parts[0], parts[1]);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}

/// <summary>A page of results and the cursor for the next one (null on the last page).</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

internal static class Paging
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    public static int Clamp(int? limit) => Math.Clamp(limit ?? DefaultLimit, 1, MaxLimit);
}
