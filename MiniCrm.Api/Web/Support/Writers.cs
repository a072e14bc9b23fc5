namespace MiniCrm.Api.Web.Support;

/// <summary>Who wrote a text, in a marketer's words: the built-in writer or the configured AI provider.</summary>
public static class Writers
{
    public static string Label(string provider) => provider == "offline" ? "written by MiniCRM's built-in writer" : $"written by AI ({provider})";
}
