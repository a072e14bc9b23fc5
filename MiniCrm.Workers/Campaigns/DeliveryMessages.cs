using Confluent.Kafka;
using MiniCrm.Core.Messaging;

namespace MiniCrm.Workers.Campaigns;

/// <summary>
/// Cuts a dispatch step's deliveries into campaign-deliveries messages: at most
/// <c>Dispatch:DeliveriesPerMessage</c> deliveries each, and never more bytes than Kafka takes in one
/// message. Long personalised messages (2,000 characters of non-Latin text are 12 KB of escaped JSON)
/// times 500 would otherwise make every step of the campaign fail, and with it every campaign behind it.
/// </summary>
public static class DeliveryMessages
{
    /// <summary>Below Kafka's default <c>message.max.bytes</c> of 1 MB, with room for headers and batch overhead.</summary>
    public const int DefaultMaxBytes = 900_000;

    public static List<Message<string, byte[]>> Build(Guid campaign, IReadOnlyList<DeliveryItem> deliveries, int maxPerMessage, int maxBytes = DefaultMaxBytes)
    {
        var messages = new List<Message<string, byte[]>>();
        foreach (var chunk in deliveries.Chunk(Math.Max(1, maxPerMessage)))
        {
            Add(campaign, chunk, maxBytes, messages);
        }

        return messages;
    }

    private static void Add(Guid campaign, ArraySegment<DeliveryItem> chunk, int maxBytes, List<Message<string, byte[]>> messages)
    {
        var value = MessageJson.Serialize(new DeliveryRequested(campaign, chunk));
        if (value.Length > maxBytes && chunk.Count > 1)
        {
            var half = chunk.Count / 2;
            Add(campaign, chunk[..half], maxBytes, messages);
            Add(campaign, chunk[half..], maxBytes, messages);
            return;
        }

        // Keyed by the chunk's first customer, so a large campaign spreads over every partition.
        messages.Add(new Message<string, byte[]> { Key = chunk[0].CustomerId.ToString(), Value = value });
    }

    private static void Add(Guid campaign, DeliveryItem[] chunk, int maxBytes, List<Message<string, byte[]>> messages) =>
        Add(campaign, new ArraySegment<DeliveryItem>(chunk), maxBytes, messages);
}
