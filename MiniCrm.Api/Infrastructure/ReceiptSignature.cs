using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace MiniCrm.Api.Infrastructure;

/// <summary>
/// The vendor's webhook signature: header <c>X-Vendor-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex&gt;</c>
/// where v1 = HMAC-SHA256(secret, "&lt;t&gt;." + body). A signature older or newer than the window
/// (<c>Receipts:ToleranceSeconds</c>, default 300) is refused, so a captured request cannot be replayed later.
/// </summary>
public sealed class ReceiptSignature(Microsoft.Extensions.Options.IOptions<ReceiptsOptions> options, TimeProvider clock)
{
    public const string HeaderName = "X-Vendor-Signature";

    public const string Mismatch = "The signature does not match the body.";

    private readonly byte[] _secret = Encoding.UTF8.GetBytes(options.Value.SigningSecret);
    private readonly TimeSpan _tolerance = TimeSpan.FromSeconds(options.Value.ToleranceSeconds);

    /// <returns>null when the signature is good, otherwise why it is not.</returns>
    public string? Verify(string? header, ReadOnlySpan<byte> body) =>
        Check(header, out var signed) ?? (Matches(signed!, body) ? null : Mismatch);

    /// <summary>
    /// The header alone: present, well formed, and its timestamp inside the window. Checked before the body is read, so
    /// a stale or forged request costs no more than its headers.
    /// </summary>
    /// <returns>null when the header can be checked against a body (then <paramref name="signed"/> holds it), otherwise why not.</returns>
    public string? Check(string? header, out Signed? signed)
    {
        signed = null;
        if (_secret.Length == 0)
        {
            return "Receipts are not accepted: Receipts:SigningSecret is not configured.";
        }

        if (string.IsNullOrWhiteSpace(header))
        {
            return $"The {HeaderName} header is missing.";
        }

        string? timestamp = null, signature = null;
        foreach (var part in header.Split(',', StringSplitOptions.TrimEntries))
        {
            if (part.StartsWith("t=", StringComparison.Ordinal))
            {
                timestamp = part[2..];
            }
            else if (part.StartsWith("v1=", StringComparison.Ordinal))
            {
                signature = part[3..];
            }
        }

        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || signature is null)
        {
            return $"The {HeaderName} header must be t=<unix seconds>,v1=<hex HMAC-SHA256>.";
        }

        // Compared in seconds: a timestamp beyond DateTimeOffset's range is simply outside the window.
        var age = clock.GetUtcNow().ToUnixTimeSeconds() - (double)seconds;
        if (Math.Abs(age) > _tolerance.TotalSeconds)
        {
            return $"The signature's timestamp is outside the {_tolerance.TotalSeconds:0}-second window.";
        }

        try
        {
            signed = new Signed(timestamp!, Convert.FromHexString(signature));
            return null;
        }
        catch (FormatException)
        {
            return "The signature is not hexadecimal.";
        }
    }

    /// <summary>Whether <paramref name="body"/> is what <paramref name="signed"/> signs: HMAC-SHA256 of "t." and the body, fed as it is (no copy).</summary>
    public bool Matches(Signed signed, ReadOnlySpan<byte> body)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _secret);
        hmac.AppendData(Encoding.ASCII.GetBytes(signed.Timestamp + "."));
        hmac.AppendData(body);
        return CryptographicOperations.FixedTimeEquals(hmac.GetHashAndReset(), signed.Presented);
    }

    /// <summary>A header that passed <see cref="Check"/>: its timestamp as sent, and the signature it presents.</summary>
    public sealed record Signed(string Timestamp, byte[] Presented);
}
