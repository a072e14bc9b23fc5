namespace MiniCrm.Core.Domain;

/// <summary>
/// SCHEDULED (waits for its send time) → RUNNING ⇄ PAUSED → COMPLETED, or CANCELLED from any of the
/// first three. Every change is recorded in <see cref="CampaignEvent"/> with its time and who made it.
/// </summary>
public enum CampaignStatus
{
    Running,
    Completed,
    Scheduled,
    Paused,
    Cancelled,
}

public enum DeliveryStatus
{
    Pending,
    Sent,
    Failed,
    /// <summary>Not sent: the campaign was cancelled first. A receipt that still comes for it (the vendor had it) counts as what it says.</summary>
    Cancelled,

    /// <summary>In the campaign's control group (HELD_OUT): never sent, so the campaign's results can compare with them.</summary>
    HeldOut,
}

public sealed class Campaign
{
    public Guid Id { get; set; }

    public required string Name { get; set; }

    /// <summary>The marketer who launched it (a <see cref="User"/> id).</summary>
    public required string CreatedBy { get; set; }

    /// <summary>The exact rule group the campaign used (JSON): a copy, so editing a saved audience later changes no past campaign.</summary>
    public required string Segment { get; set; }

    /// <summary>The saved audience it was launched for, if any.</summary>
    public Guid? SegmentId { get; set; }

    /// <summary>One line describing the audience in words.</summary>
    public required string Intent { get; set; }

    /// <summary>Who wrote the intent: "offline", or the configured AI provider.</summary>
    public string IntentProvider { get; set; } = "offline";

    /// <summary>The template with placeholders such as {{name}}.</summary>
    public required string Message { get; set; }

    public int AudienceSize { get; set; }

    /// <summary>Customers the rules selected who were left out because they unsubscribed.</summary>
    public int ExcludedForConsent { get; set; }

    /// <summary>Customers the rules selected who were left out because they reached the frequency cap.</summary>
    public int ExcludedForFrequencyCap { get; set; }

    /// <summary>Smart sending (on unless the marketer turned it off for this campaign): skip customers messaged in the last hours.</summary>
    public bool SmartSending { get; set; } = true;

    /// <summary>Customers the rules selected who were left out by smart sending (messaged in its window).</summary>
    public int ExcludedForSmartSending { get; set; }

    /// <summary>
    /// The share of the audience (0–50%) held out as a control group: chosen by a hash of the campaign's and the customer's
    /// ids (random, and the same on every attempt), recorded as HELD_OUT, never messaged; after consent, the frequency
    /// cap and smart sending, so both groups are alike.
    /// </summary>
    public int HoldoutPercent { get; set; }

    /// <summary>How many customers were held out (not in <see cref="AudienceSize"/>, which counts those to message).</summary>
    public int HeldOutCount { get; set; }

    /// <summary>How many days after a delivery (or, held out, after the campaign's start) an order counts for the campaign (1–90).</summary>
    public int AttributionDays { get; set; } = 7;

    /// <summary>Set on the campaigns a journey sends through (one per send step and chunk of customers): not listed with the marketer's campaigns.</summary>
    public Guid? JourneyId { get; set; }

    public CampaignStatus Status { get; set; }

    public int PendingCount { get; set; }

    public int SentCount { get; set; }

    public int FailedCount { get; set; }

    /// <summary>Deliveries not sent because the campaign was cancelled; sent + failed + cancelled + pending = audience.</summary>
    public int CancelledCount { get; set; }

    public string? Summary { get; set; }

    /// <summary>Who wrote the summary: "offline" (written at completion), or the AI provider that replaced it.</summary>
    public string? SummaryProvider { get; set; }

    /// <summary>Set at completion when a model is configured: the Workers ask it for the summary from then on.</summary>
    public DateTimeOffset? SummaryDueAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When a SCHEDULED campaign starts; its audience is resolved then.</summary>
    public DateTimeOffset? SendAt { get; set; }

    /// <summary>The IANA time zone the marketer scheduled in (for showing the time as they gave it).</summary>
    public string? TimeZone { get; set; }

    /// <summary>When the audience's log rows were written (the launch records the campaign; Workers write its audience).</summary>
    public DateTimeOffset? PreparedAt { get; set; }

    /// <summary>The dispatcher's position: deliveries go out in customer-id order, and this is the last one handed to Kafka.</summary>
    public Guid? DispatchCursor { get; set; }

    /// <summary>When the last delivery was handed to Kafka.</summary>
    public DateTimeOffset? DispatchedAt { get; set; }

    /// <summary>The most deliveries a second this campaign may go out at; null for the Workers' default.</summary>
    public int? SendRatePerSecond { get; set; }

    /// <summary>W3C traceparent of the launch request: the Workers continue this trace, so a campaign is one trace.</summary>
    public string? TraceParent { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>How many times the dispatcher has walked the campaign's pending deliveries: 1, then one more for each re-dispatch of deliveries that got no receipt.</summary>
    public int DispatchRound { get; set; } = 1;

    /// <summary>When a receipt last changed a delivery of this campaign: the reconciler re-dispatches only a campaign that has gone quiet.</summary>
    public DateTimeOffset? LastReceiptAt { get; set; }

    /// <summary>When its attribution window had closed and its results stopped changing: its summary then says what it earned.</summary>
    public DateTimeOffset? ResultsFinalAt { get; set; }
}

/// <summary>One change of a campaign's status: when, and who made it (null for the system: the scheduler, the last receipt).</summary>
public sealed class CampaignEvent
{
    public long Id { get; set; }

    public Guid CampaignId { get; set; }

    public CampaignStatus Status { get; set; }

    public DateTimeOffset At { get; set; }

    /// <summary>The <see cref="User"/> id of the marketer who made the change; null for the system.</summary>
    public string? ChangedBy { get; set; }
}

/// <summary>One message of a campaign to one customer, and what became of it.</summary>
public sealed class CommunicationLog
{
    public Guid CampaignId { get; set; }

    public Guid CustomerId { get; set; }

    public required string CustomerName { get; set; }

    public required string Email { get; set; }

    public string? Phone { get; set; }

    public required string PersonalizedMessage { get; set; }

    public DeliveryStatus Status { get; set; }

    public DateTimeOffset? DeliveredAt { get; set; }

    public string? FailureReason { get; set; }

    /// <summary>How many times the delivery was handed to the vendor (re-dispatched when no receipt came back).</summary>
    public int Attempts { get; set; } = 1;

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>
    /// Written by a journey's send step. Journey messages are also found by customer (a partial index), so attribution
    /// costs the same however many small campaigns a journey has made; a campaign's million rows pay for no such index.
    /// </summary>
    public bool Journey { get; set; }
}

public sealed class User
{
    public required string Id { get; set; }

    public string? GoogleId { get; set; }

    public string? Email { get; set; }

    public string? Name { get; set; }

    public string? Avatar { get; set; }

    /// <summary>Where a test text goes when the marketer sends one to themselves (10 digits), set by them.</summary>
    public string? Phone { get; set; }

    /// <summary>
    /// Stamped into every session cookie at sign-in and checked on each request and by each open page: changed (sign-out,
    /// sign out everywhere), it ends every session of this user, copied cookies included.
    /// </summary>
    public string SessionStamp { get; set; } = NewSessionStamp();

    /// <summary>What this user may do; a change ends every session of theirs, so the role a session carries is the current one.</summary>
    public Role Role { get; set; } = Role.Analyst;

    /// <summary>When this user last signed in; null for someone an admin added who has not signed in yet.</summary>
    public DateTimeOffset? SignedInAt { get; set; }

    /// <summary>
    /// When an admin took this user off the team (null while on it): their sessions ended then, and they cannot sign in
    /// again until an admin adds them back. The row stays: their campaigns, journeys and audit events still name them.
    /// </summary>
    public DateTimeOffset? RemovedAt { get; set; }

    /// <summary>The admin who removed them (a user id).</summary>
    public string? RemovedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public static string NewSessionStamp() => Guid.NewGuid().ToString("N");
}
