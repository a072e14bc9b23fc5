using MiniCrm.Core.Domain;

namespace MiniCrm.Core.Messaging;

/// <summary>A customer accepted by the Api. <see cref="CustomerId"/> is fixed at acceptance, so a redelivery inserts nothing new.</summary>
public sealed record CustomerSubmitted(
    Guid CustomerId,
    string Name,
    string Email,
    string? Phone,
    string? City,
    DateTimeOffset SubmittedAt);

/// <summary>
/// A version of an order accepted by the Api, its customer already resolved to an id. The source's order id names
/// the order; <see cref="UpdatedAt"/> and <see cref="SubmissionId"/> (with the status's stage) say which version
/// wins (<see cref="OrderLifecycle"/>), so a repeat, a replay or a late older version changes nothing.
/// </summary>
public sealed record OrderSubmitted(
    string OrderId,
    Guid CustomerId,
    decimal Amount,
    OrderStatus Status,
    DateTimeOffset OrderDate,
    IReadOnlyList<OrderLineSubmitted> Items,
    DateTimeOffset UpdatedAt = default,
    Guid SubmissionId = default);

public sealed record OrderLineSubmitted(string Name, int Quantity, decimal UnitPrice);

/// <summary>A slice of a campaign's audience, ready for the vendor. Keyed by campaign id.</summary>
public sealed record DeliveryRequested(
    Guid CampaignId,
    IReadOnlyList<DeliveryItem> Deliveries);

/// <summary>One message to one customer; <see cref="DeliveryId"/> (see <see cref="DeliveryIds"/>) is the same on every dispatch of it.</summary>
public sealed record DeliveryItem(Guid DeliveryId, Guid CustomerId, string Name, string Email, string? Phone, string Message);

/// <summary>
/// The receipts of one vendor request for one campaign (keyed by campaign id). One message carries
/// many receipts: a million-delivery campaign is a few hundred messages, not a million.
/// </summary>
public sealed record ReceiptsReceived(Guid CampaignId, IReadOnlyList<Receipt> Receipts);

/// <summary>A vendor's report on one delivery. Only the first report of a delivery counts.</summary>
public sealed record Receipt(Guid CustomerId, DeliveryStatus Status, DateTimeOffset DeliveredAt, string? Reason);
