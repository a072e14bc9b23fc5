using System.ComponentModel;

namespace MiniCrm.Api.Application.Ingestion;

// An item of a body read item by item (each accepted or rejected on its own), so the intake reads the JSON itself and names
// every field it rejects; this record is that item's schema in the OpenAPI document.
/// <summary>
/// An order; name its customer by customerId or customerEmail. An array of up to 5,000 is accepted as well as one.
/// Sent again with the same orderId (a new status, new items), it is a new version of the order: the later stage wins
/// (PENDING, then COMPLETED or CANCELLED, then REFUNDED), then the later updatedAt.
/// </summary>
public sealed record OrderSubmission(
    [property: Description("the source system's id, up to 100 characters; sent again, it updates the order")] string OrderId,
    Guid? CustomerId,
    string? CustomerEmail,
    [property: Description("0 to 999999999999.99, two decimals")] decimal Amount,
    [property: Description("PENDING, COMPLETED, CANCELLED or REFUNDED")] string Status,
    DateTimeOffset? OrderDate,
    IReadOnlyList<OrderLineSubmission> Items,
    [property: Description("optional: when the source changed the order to this version; defaults to when the Api accepts it")] DateTimeOffset? UpdatedAt = null);
