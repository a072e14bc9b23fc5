using System.Security.Cryptography;
using System.Text;

namespace MiniCrm.ServiceDefaults.Operations;

/// <summary>A shared secret (an API key, the operations key), compared in constant time; an empty configured key matches nothing.</summary>
public static class SharedKey
{
    public static bool Matches(string? configured, string? presented) =>
        !string.IsNullOrEmpty(configured) && !string.IsNullOrEmpty(presented) &&
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(configured), Encoding.UTF8.GetBytes(presented));
}
