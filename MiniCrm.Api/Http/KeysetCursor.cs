using System.Buffers.Text;
using System.Text;

namespace MiniCrm.Api.Http;

/// <summary>
/// An opaque paging cursor: the sort value and id of the last row of a page. The next page starts
/// strictly after it, so a page costs the same at row 50 and at row 1,000,000 (no OFFSET scan).
/// </summary>
internal static class KeysetCursor
{
    /// <summary>
    /// The condition for the rows after a cursor of a list newest first (created_at, id), with its two parameters;
    /// false when the cursor is not one this API returned.
    /// </summary>
    public static bool TryNewestFirst(string cursor, List<Npgsql.NpgsqlParameter> parameters, out string condition, string column = "created_at")
    {
        condition = "";
        if (!TryDecode(cursor, out var value, out var id) || !System.Guid.TryParse(id, out var afterId) ||
            !DateTime.TryParse(value, System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal, out var created))
        {
            return false;
        }

        parameters.Add(new Npgsql.NpgsqlParameter("after_value", NpgsqlTypes.NpgsqlDbType.TimestampTz) { Value = created });
        parameters.Add(new Npgsql.NpgsqlParameter("after_id", NpgsqlTypes.NpgsqlDbType.Uuid) { Value = afterId });
        condition = $"({column}, id) < (@after_value, @after_id)";
        return true;
    }

    /// <summary>The cursor after the last row of a page newest first.</summary>
    public static string NewestFirst(DateTimeOffset createdAt, Guid id) =>
        Encode(createdAt.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture), id.ToString());

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
