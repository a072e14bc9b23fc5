using System.Security.Cryptography;

namespace MiniCrm.Core.Messaging;

/// <summary>
/// The stable id of one delivery (one campaign's message to one customer). It is the same every time
/// the delivery is dispatched, so the vendor can drop a re-dispatched duplicate instead of messaging
/// the customer twice, as a real vendor does with an idempotency key.
/// </summary>
public static class DeliveryIds
{
    public static Guid For(Guid campaignId, Guid customerId)
    {
        Span<byte> input = stackalloc byte[32];
        campaignId.TryWriteBytes(input[..16], bigEndian: true, out _);
        customerId.TryWriteBytes(input[16..], bigEndian: true, out _);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(input, hash);
        // RFC 9562 version 8 (custom), variant 10: a well-formed UUID made of the hash.
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true);
    }
}
