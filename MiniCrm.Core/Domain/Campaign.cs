namespace MiniCrm.Core.Domain;

public enum CampaignStatus
{
    Running,
    Completed,
}

public enum DeliveryStatus
{
    Pending,
    Sent,
    Failed,
}

public sealed class Campaign
{
    public Guid Id { get; set; }

    public required string Name { get; set; }

    /// <summary>The marketer who launched it (a <see cref="User"/> id).</summary>
    public required string CreatedBy { get; set; }

    /// <summary>The rule group, as submitted (JSON).</summary>
    public required string Segment { get; set; }

    /// <summary>One line describing the audience in words.</summary>
    public required string Intent { get; set; }

    /// <summary>The template with placeholders such as {{name}}.</summary>
    public required string Message { get; set; }

    public int AudienceSize { get; set; }

    public CampaignStatus Status { get; set; }

    public int PendingCount { get; set; }

    public int SentCount { get; set; }

    public int FailedCount { get; set; }

    public string? Summary { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }
}

/// <summary>One message of a campaign to one customer, and what became of it.</summary>
public sealed class CommunicationLog
{
    public long Id { get; set; }

    public Guid CampaignId { get; set; }

    public Guid CustomerId { get; set; }

    public required string CustomerName { get; set; }

    public required string Email { get; set; }

    public string? Phone { get; set; }

    public required string PersonalizedMessage { get; set; }

    public DeliveryStatus Status { get; set; }

    /// <summary>Set when the outbox dispatcher has handed the row to Kafka.</summary>
    public DateTimeOffset? DispatchedAt { get; set; }

    public DateTimeOffset? DeliveredAt { get; set; }

    public string? FailureReason { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

public sealed class User
{
    public required string Id { get; set; }

    public string? GoogleId { get; set; }

    public string? Email { get; set; }

    public string? Name { get; set; }

    public string? Avatar { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
