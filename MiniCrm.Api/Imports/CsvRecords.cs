using System.Text;

namespace MiniCrm.Api.Imports;

/// <summary>One CSV record: the line it starts on, its fields, or why it could not be read.</summary>
public sealed record CsvRecord(long Line, string[] Fields, string? Problem = null);

/// <summary>
/// Reads CSV as RFC 4180 writes it (comma-separated, fields in double quotes may hold commas, quotes as
/// "" and line breaks; CRLF or LF), a record at a time from a stream, so a file of any size passes in a
/// few kilobytes of memory. A record knows the line it starts on, for the rejected-rows report.
/// </summary>
public sealed class CsvRecords(TextReader reader)
{
    /// <summary>A field longer than this is a mistake (an unclosed quote swallowing the file), not data.</summary>
    public const int MaxFieldLength = 10_000;

    private readonly StringBuilder _field = new();
    private long _line = 1;
    private int _peeked = -2;

    /// <summary>The next record, or null at the end of the input. Blank lines are skipped.</summary>
    public async ValueTask<CsvRecord?> ReadAsync(CancellationToken ct)
    {
        while (true)
        {
            var start = _line;
            var fields = new List<string>();
            string? problem = null;
            _field.Clear();
            var quoted = false;
            var inQuotes = false;
            var any = false;
            while (true)
            {
                var c = await NextAsync(ct);
                if (c == -1)
                {
                    if (inQuotes)
                    {
                        problem = "A quoted field is not closed before the end of the file.";
                    }

                    if (!any)
                    {
                        return null;
                    }

                    fields.Add(_field.ToString());
                    return new CsvRecord(start, [.. fields], problem);
                }

                any = true;
                if (inQuotes)
                {
                    if (c == '"')
                    {
                        if (await PeekAsync(ct) == '"')
                        {
                            await NextAsync(ct);
                            Append('"', ref problem);
                        }
                        else
                        {
                            inQuotes = false;
                        }
                    }
                    else
                    {
                        if (c == '\n')
                        {
                            _line++;
                        }

                        Append((char)c, ref problem);
                    }

                    continue;
                }

                switch (c)
                {
                    case ',':
                        fields.Add(_field.ToString());
                        _field.Clear();
                        quoted = false;
                        break;
                    case '"' when _field.Length == 0 && !quoted:
                        inQuotes = quoted = true;
                        break;
                    case '\r':
                        if (await PeekAsync(ct) == '\n')
                        {
                            await NextAsync(ct);
                        }

                        goto case '\n';
                    case '\n':
                        _line++;
                        fields.Add(_field.ToString());
                        if (fields is [""] && problem is null)
                        {
                            // A blank line: nothing to read.
                            start = _line;
                            fields.Clear();
                            _field.Clear();
                            any = false;
                            continue;
                        }

                        return new CsvRecord(start, [.. fields], problem);
                    default:
                        Append((char)c, ref problem);
                        break;
                }
            }
        }
    }

    private void Append(char c, ref string? problem)
    {
        if (_field.Length < MaxFieldLength)
        {
            _field.Append(c);
        }
        else
        {
            problem ??= $"A field is longer than {MaxFieldLength:N0} characters (is a quote not closed?).";
        }
    }

    private async ValueTask<int> NextAsync(CancellationToken ct)
    {
        if (_peeked != -2)
        {
            var c = _peeked;
            _peeked = -2;
            return c;
        }

        return await ReadCharAsync(ct);
    }

    private async ValueTask<int> PeekAsync(CancellationToken ct)
    {
        if (_peeked == -2)
        {
            _peeked = await ReadCharAsync(ct);
        }

        return _peeked;
    }

    private readonly char[] _buffer = new char[8192];
    private int _position, _length;

    private async ValueTask<int> ReadCharAsync(CancellationToken ct)
    {
        if (_position == _length)
        {
            _length = await reader.ReadAsync(_buffer, ct);
            _position = 0;
            if (_length == 0)
            {
                return -1;
            }
        }

        return _buffer[_position++];
    }
}
