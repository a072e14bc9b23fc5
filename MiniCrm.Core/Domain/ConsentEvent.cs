namespace MiniCrm.Core.Domain;

/// <summary>
/// A change of a customer's consent, appended and never changed (the table refuses UPDATE and DELETE): who opted out
/// and how, and who reversed it. The customer's <c>unsubscribed_at</c> is the current state that audiences read.
/// </summary>
public sealed class ConsentEvent
{
    public long Id { get; set; }

    public Guid CustomerId { get; set; }

    /// <summary>UNSUBSCRIBED or RESUBSCRIBED.</summary>
    public required string Change { get; set; }

    /// <summary>How: "link" (the message's unsubscribe link) or "marketer" (on the customer's behalf).</summary>
    public required string Via { get; set; }

    /// <summary>The user who made the change; null for the customer's own link.</summary>
    public string? ByUser { get; set; }

    public DateTimeOffset At { get; set; }
}
