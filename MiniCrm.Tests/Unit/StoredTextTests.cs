using System.Text.Json;
using MiniCrm.Core.Text;

namespace MiniCrm.Tests.Unit;

[Trait("Category", "Unit")]
public sealed class StoredTextTests
{
    [Theory]
    [InlineData("\"Pune\"", "Pune")]
    [InlineData("\"\\ud83d\\ude00 smile\"", "\U0001F600 smile")]
    [InlineData("\"Zürich\"", "Zürich")]
    public void Ordinary_text_reads_as_itself(string json, string expected)
    {
        using var document = JsonDocument.Parse(json);
        Assert.Equal(expected, StoredText.Read(document.RootElement, out var problem));
        Assert.Null(problem);
    }

    [Theory]
    [InlineData("\"\\udc00\"", "lone surrogate")]
    [InlineData("\"a\\ud800b\"", "lone surrogate")]
    [InlineData("\"a\\u0000b\"", "NUL")]
    [InlineData("\"line\\nbreak\"", "control characters")]
    [InlineData("\"bell\\u0007\"", "control characters")]
    public void Text_the_database_cannot_hold_is_refused_with_the_reason(string json, string reason)
    {
        using var document = JsonDocument.Parse(json);
        Assert.Null(StoredText.Read(document.RootElement, out var problem));
        Assert.Contains(reason, problem);
    }

    [Fact]
    public void Line_breaks_are_allowed_where_asked_for()
    {
        using var document = JsonDocument.Parse("\"Hi {{name}},\\nsee you\"");
        Assert.Equal("Hi {{name}},\nsee you", StoredText.Read(document.RootElement, out _, allowLineBreaks: true));
    }

    [Fact]
    public void Cleaning_replaces_only_what_cannot_be_stored()
    {
        Assert.Equal("timeout\uFFFD at \uFFFD vendor\n\U0001F600", StoredText.Clean("timeout\0 at \udc00 vendor\n\U0001F600"));
        Assert.Equal("plain", StoredText.Clean("plain"));
    }

    [Theory]
    [InlineData("abcdef", 4, "abcd")]
    [InlineData("abc\U0001F600", 4, "abc")] // the emoji is two units: cut before it, not through it
    [InlineData("ab\U0001F600", 4, "ab\U0001F600")]
    [InlineData("short", 10, "short")]
    public void Truncating_never_splits_a_character(string text, int max, string expected)
    {
        var cut = StoredText.Truncate(text, max);
        Assert.Equal(expected, cut);
        Assert.Null(StoredText.Problem(cut));
    }
}
