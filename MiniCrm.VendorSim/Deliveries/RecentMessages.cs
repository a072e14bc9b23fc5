using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace MiniCrm.VendorSim.Deliveries;

/// <summary>One message the vendor took, as it would reach the customer.</summary>
public sealed record SentMessage(Guid DeliveryId, Guid CampaignId, Guid CustomerId, string? Email, string? Phone, string? Message, DateTimeOffset AcceptedAt);

/// <summary>
/// The last messages the vendor took (<c>Vendor:RecentMessages</c>, a sandbox inbox as test vendors have),
/// so a developer or a test can read what a customer would get. Bounded: a million-message campaign
/// keeps only its last few.
/// </summary>
public sealed class RecentMessages(IOptions<VendorOptions> options)
{
    private readonly ConcurrentDictionary<Guid, SentMessage> _byDelivery = new();
    private readonly ConcurrentQueue<Guid> _order = new();

    public void Add(SentMessage message)
    {
        if (options.Value.RecentMessages == 0 || message.DeliveryId == Guid.Empty || !_byDelivery.TryAdd(message.DeliveryId, message))
        {
            return;
        }

        _order.Enqueue(message.DeliveryId);
        while (_order.Count > options.Value.RecentMessages && _order.TryDequeue(out var oldest))
        {
            _byDelivery.TryRemove(oldest, out _);
        }
    }

    public SentMessage? Find(Guid deliveryId) => _byDelivery.GetValueOrDefault(deliveryId);
}
