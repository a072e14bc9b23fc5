using MiniCrm.Core.Segments;
using MiniCrm.Core.Text;
using Npgsql;
using NpgsqlTypes;

namespace MiniCrm.Api.Http;

/// <summary>A <c>search</c> query parameter: the words as they are (% and _ are letters, not wildcards), any case.</summary>
internal static class TextSearch
{
    public static FieldError? Add(string? search, IReadOnlyList<string> columns, List<string> conditions, List<NpgsqlParameter> parameters)
    {
        if (search is { Length: > 200 } || (search is not null && StoredText.Problem(search, allowLineBreaks: false) is not null))
        {
            return new FieldError("search", "Optional: up to 200 characters of text, without control characters.");
        }

        if (!string.IsNullOrWhiteSpace(search))
        {
            var pattern = "%" + search.Trim().Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
            parameters.Add(new NpgsqlParameter("pattern", NpgsqlDbType.Text) { Value = pattern });
            conditions.Add("(" + string.Join(" OR ", columns.Select(c => $"{c} ILIKE @pattern")) + ")");
        }

        return null;
    }
}
