using System.Text.RegularExpressions;

namespace MiniCrm.Api.Web.Support;

/// <summary>
/// The Api's problem messages in a marketer's words. Problem details keep their field paths and technical wording
/// for API users (<c>rules.rules[1].value</c>: "total_spend takes a number"); the web app shows the same problem
/// beside the field it concerns as "Total spend takes a number", and the composer's fields ask in plain words.
/// </summary>
public static partial class MarketerText
{
    private static readonly (string Name, string Label)[] Attributes =
    [
        ("last_order_date", "Days since last order"),
        ("total_spend", "Total spend"),
        ("visit", "Visits"),
        ("city", "City"),
    ];

    /// <summary>The message for <paramref name="field"/> as a marketer reads it.</summary>
    public static string Of(string field, string message)
    {
        switch (field)
        {
            case "name" when message is "Required." or "Must not be empty.":
                return "Give the campaign a name.";
            case "name" when message.StartsWith("Must be at most", StringComparison.Ordinal):
                return "A name is at most 200 characters.";
            case "segmentId" when message.StartsWith("No saved audience", StringComparison.Ordinal):
                return "That saved audience no longer exists; choose another.";
            case "segmentId":
                return "Choose a saved audience.";
            case "rules" when message.StartsWith("Required", StringComparison.Ordinal):
                return "Choose who gets it: a saved audience, rules built here, or everyone.";
            case "message" when message.StartsWith("Required", StringComparison.Ordinal):
                return "Write the message.";
            case "message" when message.StartsWith("Unknown placeholder", StringComparison.Ordinal):
                return PlaceholderList().Replace(message, "; use the placeholder buttons below the message.");
            case "sendAt" when message.StartsWith("Must lie ahead", StringComparison.Ordinal):
                return "Choose a time in the future, or send it now.";
            case "sendAt" when message.StartsWith("At most a year", StringComparison.Ordinal):
                return "Choose a time within a year.";
            case "sendAt" when message.StartsWith("Must be an ISO", StringComparison.Ordinal) || message.StartsWith("Required", StringComparison.Ordinal):
                return "Choose a date and a time.";
            case "timeZone":
                return "Your browser's time zone is not one MiniCRM knows; choose the time again, or set your computer's time zone.";
        }

        if (field.StartsWith("rules", StringComparison.Ordinal))
        {
            if (message == "Required.")
            {
                return field.EndsWith(".value", StringComparison.Ordinal) ? "Enter a value." : "Choose one.";
            }

            message = JsonHint().Replace(message, "");
            foreach (var (name, label) in Attributes)
            {
                message = Regex.Replace(message, $@"\b{name}\b", label);
            }

            return message.Length > 0 ? char.ToUpperInvariant(message[0]) + message[1..] : message;
        }

        return message;
    }

    /// <summary>Every message of an outcome's errors, by field, in a marketer's words.</summary>
    public static IReadOnlyDictionary<string, string[]> Of(IReadOnlyDictionary<string, string[]> errors) =>
        errors.ToDictionary(e => e.Key, e => e.Value.Select(m => Of(e.Key, m)).ToArray());

    [GeneratedRegex(@";\s*use \{\{.*$")]
    private static partial Regex PlaceholderList();

    /// <summary>Hints written for API users, such as <c>: {"attribute": ..., "operator": ...}</c>.</summary>
    [GeneratedRegex(@":?\s*\{\\?""[^}]*\}\.?")]
    private static partial Regex JsonHint();
}
