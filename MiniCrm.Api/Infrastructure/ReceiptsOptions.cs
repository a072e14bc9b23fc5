using System.ComponentModel.DataAnnotations;

namespace MiniCrm.Api.Infrastructure;

/// <summary>The vendor's receipt webhook: <c>Receipts:*</c>. Bound and validated at start.</summary>
public sealed class ReceiptsOptions
{
    public const string SectionName = "Receipts";

    /// <summary>The HMAC secret shared with the vendor (the AppHost's vendor-signing-secret); empty refuses every receipt.</summary>
    public string SigningSecret { get; set; } = "";

    /// <summary>How far a signature's time may be from now, either way.</summary>
    [Range(1, 86_400)]
    public int ToleranceSeconds { get; set; } = 300;

    /// <summary>Answer 503 to the vendor while the receipts consumer lags more than this many messages (one per vendor request).</summary>
    [Range(1, long.MaxValue)]
    public long MaxPartitionLag { get; set; } = 40;
}
