using System.Security.Cryptography;
using System.Text;

namespace MiniCrm.Api.Application.Idempotency;

/// <summary>A create request sent with an <c>Idempotency-Key</c>: whose key it is, the key, and a fingerprint of what was asked.</summary>
public sealed record IdempotentRequest(string Owner, string Key, byte[] Fingerprint)
{
    /// <summary>When this request claimed its key (set by <see cref="IdempotencyKeys.ClaimAsync"/>): its answer is recorded only while the claim is still its own.</summary>
    public DateTime? ClaimedAt { get; set; }

    /// <summary>The request <paramref name="key"/> names (null without a key): the fingerprint covers the operation and the body.</summary>
    public static IdempotentRequest? For(string? key, string owner, string operation, string body) =>
        key is null ? null : new(owner, key, SHA256.HashData(Encoding.UTF8.GetBytes(operation + "\n" + body)));
}
