using MiniCrm.Core.Segments;

namespace MiniCrm.Core.Text;

/// <summary>The one check for a text field of a command: present when required, storable, trimmed, within its length.</summary>
public static class TextField
{
    /// <returns>The trimmed text, or null when absent or wrong (then <paramref name="errors"/> says why, under <paramref name="field"/>).</returns>
    public static string? Read(string? value, string field, List<FieldError> errors, bool required, int maxLength, int minLength = 1, bool lineBreaks = false)
    {
        if (value is null)
        {
            if (required)
            {
                errors.Add(new FieldError(field, "Required."));
            }

            return null;
        }

        if (StoredText.Problem(value, lineBreaks) is { } problem)
        {
            errors.Add(new FieldError(field, problem));
            return null;
        }

        var text = value.Trim();
        if (text.Length < minLength)
        {
            errors.Add(new FieldError(field, minLength == 1 ? "Must not be empty." : $"Must be at least {minLength} characters."));
            return null;
        }

        if (text.Length > maxLength)
        {
            errors.Add(new FieldError(field, $"Must be at most {maxLength} characters."));
            return null;
        }

        return text;
    }
}
