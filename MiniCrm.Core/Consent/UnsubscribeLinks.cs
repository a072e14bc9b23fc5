using System.Security.Cryptography;
using System.Text;

namespace MiniCrm.Core.Consent;

/// <summary>
/// Per-customer unsubscribe links: <c>{base}/u/{token}</c>, the token being the customer id and the first
/// 16 bytes of its HMAC-SHA256 under the link key, in base64url (43 characters). Nothing is stored: the
/// Api checks a token by signing the id again. The same token is made in C# (<see cref="Token"/>) and in
/// SQL (<see cref="SqlToken"/>, pgcrypto's hmac), so a million messages get theirs without leaving the database.
/// </summary>
public static class UnsubscribeLinks
{
    public const string Path = "/u";

    private const int MacBytes = 16;

    public static string Token(Guid customer, string key)
    {
        var id = customer.ToByteArray(bigEndian: true); // uuid_send's byte order
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), id);
        return Base64Url([.. id, .. mac.AsSpan(0, MacBytes)]);
    }

    public static string Url(string baseUrl, Guid customer, string key) => $"{baseUrl.TrimEnd('/')}{Path}/{Token(customer, key)}";

    /// <summary>The token of the link in a test message sent to a marketer: its page says so and unsubscribes no one.</summary>
    public const string TestToken = "test-message";

    public static string TestUrl(string baseUrl) => $"{baseUrl.TrimEnd('/')}{Path}/{TestToken}";

    /// <summary>The customer a token names, if its signature holds (compared in constant time).</summary>
    public static Guid? Verify(string? token, string key)
    {
        // Only the canonical spelling: base64 ignores its last character's spare bits, which would let two tokens name one customer.
        if (string.IsNullOrEmpty(key) || token is not { Length: 43 } || !TryBase64Url(token, out var bytes) || bytes.Length != 16 + MacBytes ||
            Base64Url(bytes) != token)
        {
            return null;
        }

        var id = bytes.AsSpan(0, 16);
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), id.ToArray()).AsSpan(0, MacBytes);
        return CryptographicOperations.FixedTimeEquals(expected, bytes.AsSpan(16)) ? new Guid(id, bigEndian: true) : null;
    }

    /// <summary>The token in SQL over <c>customers c</c>; the key is a bytea parameter.</summary>
    public static string SqlToken(string keyParameter) =>
        $"translate(rtrim(encode(uuid_send(c.id) || substring(hmac(uuid_send(c.id), {keyParameter}, 'sha256') FROM 1 FOR {MacBytes}), 'base64'), '='), '+/', '-_')";

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static bool TryBase64Url(string text, out byte[] bytes)
    {
        var padded = text.Replace('-', '+').Replace('_', '/') + new string('=', (4 - text.Length % 4) % 4);
        bytes = new byte[padded.Length];
        if (Convert.TryFromBase64String(padded, bytes, out var written))
        {
            bytes = bytes[..written];
            return true;
        }

        return false;
    }
}
