using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MiniCrm.Core.Text;

/// <summary>
/// Reads a JSON string even when it escapes a lone surrogate (<c>"\udc00"</c>), which System.Text.Json refuses to
/// unescape: the value is kept as it was sent, so the field's validator can name the problem
/// (<see cref="StoredText.Problem"/>) instead of the whole body failing to bind. Writes text the way the default does,
/// with a lone surrogate replaced (U+FFFD), so nothing read can make a writer throw.
/// </summary>
public sealed class TolerantStringConverter : JsonConverter<string>
{
    public override bool HandleNull => false;

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException($"Expected text, found {reader.TokenType}.");
        }

        try
        {
            return reader.GetString();
        }
        catch (InvalidOperationException)
        {
            var raw = reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan.ToArray();
            return Unescape(Encoding.UTF8.GetString(raw));
        }
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) =>
        writer.WriteStringValue(StoredText.Problem(value, allowLineBreaks: true) is null ? value : StoredText.Clean(value));

    /// <summary>A JSON string's escapes undone, lone surrogates included (the reader has checked the syntax already).</summary>
    public static string Unescape(string escaped)
    {
        var text = new StringBuilder(escaped.Length);
        for (var i = 0; i < escaped.Length; i++)
        {
            if (escaped[i] != '\\' || i + 1 >= escaped.Length)
            {
                text.Append(escaped[i]);
                continue;
            }

            var next = escaped[++i];
            switch (next)
            {
                case 'u' when i + 4 < escaped.Length:
                    text.Append((char)Convert.ToUInt16(escaped.Substring(i + 1, 4), 16));
                    i += 4;
                    break;
                case 'b': text.Append('\b'); break;
                case 'f': text.Append('\f'); break;
                case 'n': text.Append('\n'); break;
                case 'r': text.Append('\r'); break;
                case 't': text.Append('\t'); break;
                default: text.Append(next); break; // \" \\ \/
            }
        }

        return text.ToString();
    }
}
