using System.ComponentModel;
using System.Text.Json;

namespace MiniCrm.Api.Apis;

// The request bodies as OpenAPI shows them, so a generated client (and the fuzz test) knows every
// field. The endpoints read the JSON themselves: each field's error names its path, and an array of
// items is accepted item by item; these records describe that JSON, they are not bound.

/// <summary>A customer from a source system. An array of up to 5,000 is accepted as well as one.</summary>
public sealed record CustomerSubmission(
    [property: Description("2 to 200 characters")] string Name,
    [property: Description("a valid email, unique")] string Email,
    [property: Description("10 digits, unique, optional")] string? Phone,
    [property: Description("up to 100 characters")] string City);

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

public sealed record OrderLineSubmission(
    string Name,
    [property: Description("1 to 1,000,000")] int Quantity,
    decimal UnitPrice,
    [property: Description("optional; must equal quantity × unitPrice")] decimal? Total);

/// <summary>A rule group, {combinator, rules}, or a rule, {attribute, operator, value}. Groups nest up to 10 deep; 200 rules at most.</summary>
public sealed record SegmentNode(
    [property: Description("AND or OR (a group)")] string? Combinator,
    [property: Description("rules and groups (a group); empty matches everyone")] IReadOnlyList<SegmentNode>? Rules,
    [property: Description("total_spend, visit, city or last_order_date (a rule)")] string? Attribute,
    [property: Description("> < = >= <= != for numbers, = != for city (a rule)")] string? Operator,
    [property: Description("a number, or text for city (a rule)")] JsonElement? Value);

public sealed record CampaignLaunch(
    [property: Description("up to 200 characters")] string Name,
    [property: Description("the audience's rules; or give segmentId")] SegmentNode? Rules,
    [property: Description("a saved audience's id, instead of rules")] Guid? SegmentId,
    [property: Description("up to 2,000 characters; placeholders {{name}} {{first_name}} {{email}} {{city}} {{phone}} {{unsubscribe_url}}")] string Message,
    [property: Description("optional, 1 to 1,000,000")] int? SendRatePerSecond,
    [property: Description("optional: when to start, ISO 8601 with an offset, or a local time with timeZone")] string? SendAt,
    [property: Description("optional: the IANA time zone of a local sendAt, such as Asia/Kolkata")] string? TimeZone,
    [property: Description("optional, default true: skip customers with a campaign message from the last Consent:SmartSendingHours (16) hours")] bool? SmartSending = null,
    [property: Description("optional: the draft this campaign is launched from; a draft is launched once")] Guid? DraftId = null);

/// <summary>A draft: the campaign as far as it is written. Every field is optional, and the composer keeps fields of its own beside these.</summary>
public sealed record DraftContent(
    [property: Description("the campaign's name so far")] string? Name,
    [property: Description("the message so far")] string? Message,
    [property: Description("the audience's rules, if built")] SegmentNode? Rules,
    [property: Description("or a saved audience")] Guid? SegmentId,
    [property: Description("smart sending, as the campaign will have it")] bool? SmartSending,
    [property: Description("when to send, if scheduled")] string? SendAt,
    [property: Description("the IANA time zone of sendAt")] string? TimeZone);

public sealed record TestSendRequest(
    [property: Description("the message, as for a campaign")] string Message,
    [property: Description("the customer to render it for")] Guid CustomerId);

public sealed record ReceiptBatch(IReadOnlyList<ReceiptSubmission> Receipts);

public sealed record ReceiptSubmission(
    Guid CampaignId,
    Guid CustomerId,
    [property: Description("SENT or FAILED")] string Status,
    DateTimeOffset? DeliveredAt,
    [property: Description("why it failed; up to 500 characters")] string? Reason);

/// <summary>When a SCHEDULED campaign is to start instead.</summary>
public sealed record ScheduleChange(
    [property: Description("ISO 8601 with an offset, or a local time with timeZone; within a year")] string SendAt,
    [property: Description("optional: the IANA time zone of a local sendAt, such as Asia/Kolkata")] string? TimeZone);
