using System.ComponentModel;

namespace MiniCrm.Api.Application.Receipts;

// An item of a body read item by item (each accepted or rejected on its own), so the intake reads the JSON itself and names
// every field it rejects; this record is that item's schema in the OpenAPI document.
public sealed record ReceiptSubmission(
    Guid CampaignId,
    Guid CustomerId,
    [property: Description("SENT or FAILED")] string Status,
    DateTimeOffset? DeliveredAt,
    [property: Description("why it failed; up to 500 characters")] string? Reason);
