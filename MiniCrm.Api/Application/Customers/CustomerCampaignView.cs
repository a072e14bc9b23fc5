namespace MiniCrm.Api.Application.Customers;

/// <summary>A campaign that reached a customer, with how their delivery went.</summary>
public sealed record CustomerCampaignView(Guid CampaignId, string Name, DateTimeOffset CreatedAt, DeliveryStatus Status, DateTimeOffset? DeliveredAt, string? FailureReason);
