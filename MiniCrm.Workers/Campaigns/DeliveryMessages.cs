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
    public static List<Message<string, byte[]>> Build(Guid campaign, IReadOnlyList<DeliveryItem> deliveries, int maxPerMessage, int maxBytes = MessageJson.MaxMessageBytes) =>
        deliveries.Chunk(Math.Max(1, maxPerMessage))
            .SelectMany(chunk => MessageJson.SerializeWithin(chunk, part => new DeliveryRequested(campaign, part), maxBytes))
            // Keyed by the part's first customer, so a large campaign spreads over every partition.
            .Select(part => new Message<string, byte[]> { Key = part.First.CustomerId.ToString(), Value = part.Value })
            .ToList();
}
