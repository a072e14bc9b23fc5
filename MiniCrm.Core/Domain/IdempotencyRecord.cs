namespace MiniCrm.Core.Domain;

/// <summary>
/// A create request made with an <c>Idempotency-Key</c>: who sent it, a fingerprint of what it asked, and, once it
/// is done, the answer every repeat of it gets. Written in the same transaction as what the request created, so a
/// repeat can never create a second one. Kept for a day.
/// </summary>
public sealed class IdempotencyRecord
{
    /// <summary>The marketer's user id, or the machine credential's name (<c>ingestion</c>).</summary>
    public required string Owner { get; set; }

    public required string Key { get; set; }

    /// <summary>SHA-256 of the operation and the request body: a repeat must ask for exactly the same thing.</summary>
    public required byte[] Fingerprint { get; set; }

    /// <summary>The answer's status code; null while the first request is still being handled.</summary>
    public int? Status { get; set; }

    /// <summary>The answer's body (JSON), returned as it was to every repeat.</summary>
    public string? Response { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
