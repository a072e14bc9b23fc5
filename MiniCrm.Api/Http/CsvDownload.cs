using System.Data.Common;
using System.Text;
using Npgsql;

namespace MiniCrm.Api.Http;

/// <summary>
/// A query's rows streamed to the response as a CSV attachment, row by row from the reader: a million-row
/// communication log never sits in the Api's memory.
/// </summary>
internal static class CsvDownload
{
    public static async Task WriteAsync(HttpContext context, NpgsqlConnection connection, string fileName, string header,
        string sql, IEnumerable<NpgsqlParameter> parameters, Func<DbDataReader, IEnumerable<string?>> row, CancellationToken ct)
    {
        context.Response.ContentType = "text/csv; charset=utf-8";
        context.Response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}\"";
        await using var writer = new StreamWriter(context.Response.Body, new UTF8Encoding(false), 64 * 1024);
        await writer.WriteAsync(header + "\n");
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(parameter);
        }

        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            await writer.WriteAsync(string.Join(',', row(reader).Select(Cell)) + "\n");
        }
    }

    /// <summary>
    /// Quoted when it must be; a cell a spreadsheet would run as a formula (a customer named "=HYPERLINK(...)")
    /// is prefixed with an apostrophe, so opening the file cannot run anything.
    /// </summary>
    public static string Cell(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' && !decimal.TryParse(value, System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture, out _))
        {
            value = "'" + value;
        }

        return value.IndexOfAny([',', '"', '\n', '\r']) < 0 ? value : "\"" + value.Replace("\"", "\"\"") + "\"";
    }
}
