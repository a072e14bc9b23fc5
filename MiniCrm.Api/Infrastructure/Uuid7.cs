using System.Buffers.Binary;
using System.Security.Cryptography;

namespace MiniCrm.Api.Infrastructure;

/// <summary>
/// Version 7 UUIDs (RFC 9562: 48-bit Unix milliseconds, then random bits) made in bulk: the same
/// layout as <see cref="Guid.CreateVersion7(DateTimeOffset)"/>, but one call to the system's random
/// source for a whole request instead of one per id, which showed in the profile of a
/// 5,000-customer request.
/// </summary>
public static class Uuid7
{
    public static Guid[] Create(int count, DateTimeOffset at)
    {
        var ids = new Guid[count];
        if (count == 0)
        {
            return ids;
        }

        Span<byte> timestamp = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(timestamp, at.ToUnixTimeMilliseconds());
        var random = new byte[count * 16];
        RandomNumberGenerator.Fill(random);
        for (var i = 0; i < count; i++)
        {
            var bytes = random.AsSpan(i * 16, 16);
            timestamp[2..].CopyTo(bytes);                   // bytes 0-5: milliseconds, big-endian
            bytes[6] = (byte)(0x70 | (bytes[6] & 0x0F));    // version 7
            bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F));    // RFC variant
            ids[i] = new Guid(bytes, bigEndian: true);
        }

        return ids;
    }
}
