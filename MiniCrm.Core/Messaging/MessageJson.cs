using System.Text.Json;
using System.Text.Json.Serialization;

namespace MiniCrm.Core.Messaging;

/// <summary>The JSON shape of every Kafka message and API body: camelCase, enums as UPPER_CASE names.</summary>
public static class MessageJson
{
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseUpper, allowIntegerValues: false));
        return options;
    }

    public static byte[] Serialize<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);

    /// <summary>Below Kafka's default <c>message.max.bytes</c> of 1 MB, with room for headers and batch overhead.</summary>
    public const int MaxMessageBytes = 900_000;

    /// <summary>
    /// Serializes <paramref name="items"/> as one message made by <paramref name="wrap"/>, or as several
    /// (halving until each fits) when that would exceed <paramref name="maxBytes"/>: Kafka refuses a
    /// larger message, and retrying it could never succeed.
    /// </summary>
    public static List<(T First, byte[] Value)> SerializeWithin<T, TMessage>(T[] items, Func<IReadOnlyList<T>, TMessage> wrap, int maxBytes = MaxMessageBytes)
    {
        var parts = new List<(T, byte[])>();
        void Add(ArraySegment<T> part)
        {
            var value = Serialize(wrap(part));
            if (value.Length > maxBytes && part.Count > 1)
            {
                Add(part[..(part.Count / 2)]);
                Add(part[(part.Count / 2)..]);
                return;
            }

            parts.Add((part[0], value));
        }

        if (items.Length > 0)
        {
            Add(items);
        }

        return parts;
    }

    public static T Deserialize<T>(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize<T>(json, Options) ?? throw new JsonException("The message is JSON null.");
}
