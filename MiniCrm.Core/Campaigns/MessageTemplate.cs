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

    public string Render(string name, string email, string? city, string? phone, string unsubscribeUrl = "") => Text
        .Replace("{{name}}", name)
        .Replace("{{first_name}}", FirstName(name))
        .Replace("{{email}}", email)
        .Replace("{{city}}", city ?? "")
        .Replace("{{phone}}", phone ?? "")
        .Replace("{{" + UnsubscribeUrl + "}}", unsubscribeUrl);

    /// <summary>
    /// The same substitution in SQL, over <c>customers c</c>, with the template as parameter <paramref name="templateParameter"/>;
    /// when the message has the unsubscribe link, <paramref name="linkBaseParameter"/> (text) and <paramref name="linkKeyParameter"/> (bytea) make it.
    /// </summary>
    public string SqlExpression(string templateParameter, string linkBaseParameter = "@link_base", string linkKeyParameter = "@link_key")
    {
        var fields = $"replace(replace(replace(replace(replace({templateParameter}, '{{{{name}}}}', c.name), '{{{{first_name}}}}', split_part(c.name, ' ', 1)), " +
                     $"'{{{{email}}}}', c.email), '{{{{city}}}}', coalesce(c.city, '')), '{{{{phone}}}}', coalesce(c.phone, ''))";
        return HasUnsubscribeLink
            ? $"replace({fields}, '{{{{{UnsubscribeUrl}}}}}', {linkBaseParameter} || '{Consent.UnsubscribeLinks.Path}/' || {Consent.UnsubscribeLinks.SqlToken(linkKeyParameter)})"
            : fields;
    }

    /// <summary>The first word of a name (names are stored trimmed, words separated by spaces), as SQL's split_part gives it.</summary>
    public static string FirstName(string name) => name.Split(' ', 2)[0];

    [GeneratedRegex(@"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")]
    private static partial Regex PlaceholderPattern();
}
