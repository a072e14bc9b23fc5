using System.Text.Json;
using MiniCrm.Core.Segments;
using MiniCrm.Core.Text;

namespace MiniCrm.Api.Http;

/// <summary>Field readers that say exactly what is wrong with a value.</summary>
internal sealed class FieldReader(JsonElement item, string prefix, List<FieldError> errors)
{
    /// <summary>The largest amount a money column (numeric(14,2)) holds.</summary>
    public const decimal MaxMoney = 999_999_999_999.99m;

    public bool IsObject => item.ValueKind == JsonValueKind.Object;

    public string? String(string name, bool required, int maxLength, int minLength = 1)
    {
        if (!item.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                Error(name, "Required.");
            }

            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            Error(name, $"Must be text, not {Kind(value)}.");
            return null;
        }

        if (StoredText.Read(value, out var problem) is not { } raw)
        {
            Error(name, problem!);
            return null;
        }

        return TextField.Read(raw, Path(name), errors, required, maxLength, minLength);
    }

    /// <summary>Text from another system (a vendor's failure reason): what the database cannot hold is replaced, never refused, and it is cut to <paramref name="maxLength"/>.</summary>
    public string? FreeText(string name, int maxLength)
    {
        if (!item.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            Error(name, $"Must be text, not {Kind(value)}.");
            return null;
        }

        var text = StoredText.Clean(StoredText.Read(value, out _, allowLineBreaks: true) ?? StoredText.Clean(value.GetRawText().Trim('"')));
        return text.Length > maxLength ? text[..maxLength] : text;
    }

    public decimal? Money(string name, bool required)
    {
        if (!item.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                Error(name, "Required.");
            }

            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDecimal(out var number))
        {
            Error(name, $"Must be a number, not {Kind(value)}.");
            return null;
        }

        if (number < 0)
        {
            Error(name, "Must be zero or more.");
            return null;
        }

        if (number > MaxMoney)
        {
            Error(name, $"Must be at most {MaxMoney:0.00}.");
            return null;
        }

        if (decimal.Round(number, 2) != number)
        {
            Error(name, "Has at most two decimal places.");
            return null;
        }

        return number;
    }

    public int? PositiveInteger(string name, int max)
    {
        if (!item.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            Error(name, "Required.");
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number))
        {
            Error(name, $"Must be a whole number, not {Kind(value)}.");
            return null;
        }

        if (number < 1 || number > max)
        {
            Error(name, $"Must be between 1 and {max}.");
            return null;
        }

        return number;
    }

    public Guid? Guid(string name)
    {
        if (!item.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String || !System.Guid.TryParse(value.GetString(), out var id))
        {
            Error(name, "Must be a customer id (a UUID).");
            return null;
        }

        return id;
    }

    public DateTimeOffset? Timestamp(string name)
    {
        if (!item.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String || !value.TryGetDateTimeOffset(out var timestamp))
        {
            Error(name, "Must be an ISO 8601 date and time, for example 2025-03-01T10:00:00Z.");
            return null;
        }

        // PostgreSQL's timestamptz takes UTC from Npgsql; an offset is kept as the instant it names.
        return timestamp.ToUniversalTime();
    }

    public JsonElement? Array(string name)
    {
        if (!item.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            Error(name, "Required.");
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            Error(name, $"Must be an array, not {Kind(value)}.");
            return null;
        }

        return value;
    }

    public void Error(string name, string message) => errors.Add(new FieldError(Path(name), message));

    public string Path(string name) => prefix.Length == 0 ? name : $"{prefix}.{name}";

    private static string Kind(JsonElement value) => JsonShape.KindOf(value);
}
