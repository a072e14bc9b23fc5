using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace MiniCrm.VendorSim.Receipts;

/// <summary>
/// Posts receipt batches to the CRM as a webhook, signed like the CRM expects:
/// <c>X-Vendor-Signature: t=&lt;unix seconds&gt;,v1=hex(HMAC-SHA256(secret, t + "." + body))</c>.
/// </summary>
public sealed class CrmReceiptsClient(HttpClient http, IOptions<VendorOptions> options, TimeProvider clock)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<HttpStatusCode> PostAsync(IReadOnlyList<Receipt> receipts, CancellationToken ct)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new { receipts }, Json);
        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signed = Encoding.ASCII.GetBytes(timestamp + ".").Concat(body).ToArray();
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(options.Value.SigningSecret), signed));

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/receipts") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add("X-Vendor-Signature", $"t={timestamp},v1={signature}");
        using var response = await http.SendAsync(request, ct);
        return response.StatusCode;
    }
}
