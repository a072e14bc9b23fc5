using System.ComponentModel.DataAnnotations;

namespace MiniCrm.Workers.Deliveries;

/// <summary>Requests to the vendor: <c>Delivery:*</c>. Bound and validated at start.</summary>
public sealed class DeliveryOptions
{
    public const string SectionName = "Delivery";

    /// <summary>Vendor requests in flight per delivery consumer.</summary>
    [Range(1, 256)]
    public int MaxConcurrentRequests { get; set; } = 16;
}
