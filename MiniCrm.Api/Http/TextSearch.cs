using MiniCrm.Core.Segments;
using MiniCrm.Core.Text;
using Npgsql;
using NpgsqlTypes;

namespace MiniCrm.Api.Http;

/// <summary>
/// A <c>search</c> query parameter: the words as they are (% and _ are letters, not wildcards), any case. With a
/// <c>phoneColumn</c>, a search that looks like a phone number ("65094 67342", "+91 65094-67342") also matches its digits.
/// </summary>
internal static partial class TextSearch
{
    public static FieldError? Add(string? search, IReadOnlyList<string> columns, List<string> conditions, List<NpgsqlParameter> parameters, string? phoneColumn = null)
    {
        if (search is { Length: > 200 } || (search is not null && StoredText.Problem(search, allowLineBreaks: false) is not null))
        {
            return new FieldError("search", "Optional: up to 200 characters of text, without control characters.");
        }

        if (!string.IsNullOrWhiteSpace(search))
        {
            var pattern = "%" + search.Trim().Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
            parameters.Add(new NpgsqlParameter("pattern", NpgsqlDbType.Text) { Value = pattern });
            var matches = columns.Select(c => $"{c} ILIKE @pattern").ToList();
            if (phoneColumn is not null && PhoneLike().IsMatch(search) && PhoneDigits(search) is { Length: >= 4 } digits)
            {
                parameters.Add(new NpgsqlParameter("phone_digits", NpgsqlDbType.Text) { Value = "%" + digits + "%" });
                matches.Add($"{phoneColumn} LIKE @phone_digits");
            }

            conditions.Add("(" + string.Join(" OR ", matches) + ")");
        }

        return null;
    }

    /// <summary>The digits of a phone as stored (10 digits): an Indian country code before ten digits is dropped.</summary>
    private static string PhoneDigits(string search)
    {
        var digits = new string([.. search.Where(char.IsAsciiDigit)]);
        return digits.Length == 12 && digits.StartsWith("91", StringComparison.Ordinal) ? digits[2..] : digits;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^[\s\d+\-().]+$")]
    private static partial System.Text.RegularExpressions.Regex PhoneLike();
}
