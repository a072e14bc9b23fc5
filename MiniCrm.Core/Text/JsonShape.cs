using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using MiniCrm.Core.Segments;

namespace MiniCrm.Core.Text;

/// <summary>
/// Checks that JSON has the shape of a type (objects, arrays, text, numbers, ids, times where its
/// <see cref="JsonTypeInfo"/> says) before it is bound, and names every field that does not, by its path
/// (<c>rules.rules[1].value</c>): binding alone would stop at the first mismatch with a message about .NET types.
/// Unknown fields are ignored, as binding ignores them; what a value means is the command's validator's business.
/// </summary>
public static class JsonShape
{
    public static List<FieldError> Check(JsonElement json, JsonTypeInfo type, string path = "")
    {
        var errors = new List<FieldError>();
        if (json.ValueKind == JsonValueKind.Null)
        {
            errors.Add(new FieldError(At(path), "Send a JSON object."));
            return errors;
        }

        Walk(json, type, path, errors);
        return errors;
    }

    private static void Walk(JsonElement value, JsonTypeInfo info, string path, List<FieldError> errors)
    {
        var type = Nullable.GetUnderlyingType(info.Type) ?? info.Type;
        if (value.ValueKind == JsonValueKind.Null)
        {
            if (info.Type.IsValueType && Nullable.GetUnderlyingType(info.Type) is null)
            {
                errors.Add(new FieldError(At(path), "Required."));
            }

            return;
        }

        if (type == typeof(JsonElement))
        {
            return; // any JSON: its validator reads it
        }

        switch (info.Kind)
        {
            case JsonTypeInfoKind.Object:
                if (value.ValueKind != JsonValueKind.Object)
                {
                    errors.Add(new FieldError(At(path), $"Must be an object, not {KindOf(value)}."));
                    return;
                }

                foreach (var field in value.EnumerateObject())
                {
                    string name;
                    try
                    {
                        name = field.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        errors.Add(new FieldError(At(path), "A field's name must be valid Unicode text (one contains a lone surrogate escape)."));
                        continue;
                    }

                    var property = info.Properties.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
                    if (property is not null && !property.IsExtensionData)
                    {
                        Walk(field.Value, info.Options.GetTypeInfo(property.PropertyType), path.Length == 0 ? property.Name : $"{path}.{property.Name}", errors);
                    }
                }

                return;
            case JsonTypeInfoKind.Enumerable:
                if (value.ValueKind != JsonValueKind.Array)
                {
                    errors.Add(new FieldError(At(path), $"Must be an array, not {KindOf(value)}."));
                    return;
                }

                var element = info.Options.GetTypeInfo(info.ElementType!);
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    Walk(item, element, $"{At(path)}[{index++}]", errors);
                }

                return;
        }

        string? message;
        try
        {
            message = Mismatch(value, type);
        }
        catch (InvalidOperationException)
        {
            message = "Must be valid Unicode text (it contains a lone surrogate escape)."; // System.Text.Json will not unescape it
        }

        if (message is not null)
        {
            errors.Add(new FieldError(At(path), message));
        }
    }

    /// <returns>What is wrong with a value for a primitive type, or null when it fits.</returns>
    private static string? Mismatch(JsonElement value, Type type)
    {
        if (type == typeof(string))
        {
            return value.ValueKind == JsonValueKind.String ? null : $"Must be text, not {KindOf(value)}.";
        }

        if (type == typeof(bool))
        {
            return value.ValueKind is JsonValueKind.True or JsonValueKind.False ? null : $"Must be true or false, not {KindOf(value)}.";
        }

        if (type == typeof(int))
        {
            return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out _) ? null
                : value.ValueKind == JsonValueKind.Number ? "Must be a whole number in range." : $"Must be a whole number, not {KindOf(value)}.";
        }

        if (type == typeof(decimal))
        {
            return value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out _) ? null : $"Must be a number, not {KindOf(value)}.";
        }

        if (type == typeof(Guid))
        {
            return value.ValueKind == JsonValueKind.String && Guid.TryParse(value.GetString(), out _) ? null : "Must be an id (a UUID).";
        }

        if (type == typeof(DateTimeOffset))
        {
            return value.ValueKind == JsonValueKind.String && value.TryGetDateTimeOffset(out _) ? null
                : "Must be an ISO 8601 date and time, for example 2025-03-01T10:00:00Z.";
        }

        throw new NotSupportedException($"JsonShape does not know {type.Name}; add it here before a request type uses it.");
    }

    private static string At(string path) => path.Length == 0 ? "body" : path;

    /// <summary>A JSON value's kind in words, for messages such as "Must be text, not a number."</summary>
    public static string KindOf(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "text",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "true/false",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => value.ValueKind.ToString().ToLowerInvariant(),
    };
}
