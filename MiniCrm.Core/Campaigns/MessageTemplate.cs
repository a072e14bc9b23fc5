using System.Text.RegularExpressions;
using MiniCrm.Core.Segments;
using MiniCrm.Core.Text;

namespace MiniCrm.Core.Campaigns;

/// <summary>
/// The one renderer for campaign messages. Placeholders are {{name}}, {{first_name}} (the name's first word),
/// {{email}}, {{city}}, {{phone}} and {{unsubscribe_url}} (the customer's signed unsubscribe link; spaces inside the braces allowed);
/// anything else in double braces is an error. The same
/// substitution runs in C# (<see cref="Render"/>) and in SQL (<see cref="SqlExpression"/>), where a
/// million messages are personalised without leaving the database.
/// </summary>
public sealed partial class MessageTemplate
{
    public const int MaxLength = 2000;

    public const string UnsubscribeUrl = "unsubscribe_url";

    public static readonly IReadOnlyList<string> Placeholders = ["name", "first_name", "email", "city", "phone", UnsubscribeUrl];

    private MessageTemplate(string text) => Text = text;

    /// <summary>The template with placeholders in canonical form ({{name}}).</summary>
    public string Text { get; }

    public static MessageTemplate? Parse(string? template, List<FieldError> errors, string field = "message")
    {
        if (string.IsNullOrWhiteSpace(template))
        {
            errors.Add(new FieldError(field, "Required: the message to send, for example \"Hi {{name}}, 10% off this week!\""));
            return null;
        }

        if (template.Length > MaxLength)
        {
            errors.Add(new FieldError(field, $"A message is at most {MaxLength} characters; this one has {template.Length}."));
            return null;
        }

        if (StoredText.Problem(template, allowLineBreaks: true) is { } problem)
        {
            errors.Add(new FieldError(field, problem));
            return null;
        }

        var before = errors.Count;
        var canonical = PlaceholderPattern().Replace(template, match =>
        {
            var name = match.Groups[1].Value.ToLowerInvariant();
            if (!Placeholders.Contains(name))
            {
                errors.Add(new FieldError(field, $"Unknown placeholder {match.Value}; use {string.Join(", ", Placeholders.Select(p => "{{" + p + "}}"))}."));
            }

            return "{{" + name + "}}";
        });

        var stripped = PlaceholderPattern().Replace(template, "");
        if (stripped.Contains("{{") || stripped.Contains("}}"))
        {
            errors.Add(new FieldError(field, "A placeholder is not closed or not opened: write it as {{name}}."));
        }

        return errors.Count == before ? new MessageTemplate(canonical) : null;
    }

    /// <summary>Whether the message carries the unsubscribe link (only then is a link signed for each customer).</summary>
    public bool HasUnsubscribeLink => Text.Contains("{{" + UnsubscribeUrl + "}}", StringComparison.Ordinal);

    /// <summary>
    /// The message for one customer, in one pass over the template: a customer's name or city that holds a placeholder
    /// ("{{email}} Hacker") is text, never expanded in its turn.
    /// </summary>
    public string Render(string name, string email, string? city, string? phone, string unsubscribeUrl = "")
    {
        var (literals, placeholders) = Split();
        var text = new System.Text.StringBuilder(literals[0]);
        for (var i = 0; i < placeholders.Count; i++)
        {
            text.Append(placeholders[i] switch
            {
                "name" => name,
                "first_name" => FirstName(name),
                "email" => email,
                "city" => city ?? "",
                "phone" => phone ?? "",
                _ => unsubscribeUrl,
            }).Append(literals[i + 1]);
        }

        return text.ToString();
    }

    /// <summary>The template's text between its placeholders, as the text array <see cref="SqlExpression"/> takes as a parameter.</summary>
    public string[] SqlParts => [.. Split().Literals];

    /// <summary>
    /// The same substitution in SQL, over <c>customers c</c>, in one pass as <see cref="Render"/>: the template's text
    /// (<see cref="SqlParts"/>, parameter <paramref name="partsParameter"/>, a text array) joined with each placeholder's
    /// column; when the message has the unsubscribe link, <paramref name="linkBaseParameter"/> (text) and
    /// <paramref name="linkKeyParameter"/> (bytea) make it. Only fixed column expressions and indexes are in the SQL.
    /// </summary>
    public string SqlExpression(string partsParameter, string linkBaseParameter = "@link_base", string linkKeyParameter = "@link_key")
    {
        var (_, placeholders) = Split();
        var parts = new List<string> { $"({partsParameter})[1]" };
        for (var i = 0; i < placeholders.Count; i++)
        {
            parts.Add(placeholders[i] switch
            {
                "name" => "c.name",
                "first_name" => "split_part(c.name, ' ', 1)",
                "email" => "c.email",
                "city" => "coalesce(c.city, '')",
                "phone" => "coalesce(c.phone, '')",
                _ => $"{linkBaseParameter} || '{Consent.UnsubscribeLinks.Path}/' || {Consent.UnsubscribeLinks.SqlToken(linkKeyParameter)}",
            });
            parts.Add($"({partsParameter})[{i + 2}]");
        }

        return "(" + string.Join(" || ", parts) + ")";
    }

    /// <summary>The text between placeholders (one more than there are placeholders) and the placeholders' names, in order.</summary>
    private (List<string> Literals, List<string> Placeholders) Split()
    {
        var literals = new List<string>();
        var placeholders = new List<string>();
        var last = 0;
        foreach (Match match in CanonicalPlaceholder().Matches(Text))
        {
            literals.Add(Text[last..match.Index]);
            placeholders.Add(match.Groups[1].Value);
            last = match.Index + match.Length;
        }

        literals.Add(Text[last..]);
        return (literals, placeholders);
    }

    /// <summary>The first word of a name (names are stored trimmed, words separated by spaces), as SQL's split_part gives it.</summary>
    public static string FirstName(string name) => name.Split(' ', 2)[0];

    [GeneratedRegex(@"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")]
    private static partial Regex PlaceholderPattern();

    /// <summary>A placeholder as the stored template writes it, after <see cref="Parse"/> made it canonical.</summary>
    [GeneratedRegex(@"\{\{([a-z_]+)\}\}")]
    private static partial Regex CanonicalPlaceholder();
}
