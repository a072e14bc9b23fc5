using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace MiniCrm.Api.Http;

/// <summary>
/// Behind a proxy (Container Apps' ingress, a load balancer) every visitor arrives from the proxy's address, so one
/// client would spend everyone's per-address rate limit. <c>Network:TrustedProxies</c> names the proxies (addresses,
/// or networks as <c>10.0.0.0/8</c>) whose <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> are believed; from
/// anyone else those headers are ignored, so a client cannot choose its own address. Empty (the default): no proxy.
/// </summary>
internal static class ForwardedClients
{
    public const string Section = "Network:TrustedProxies";

    public static IApplicationBuilder UseForwardedClients(this WebApplication app)
    {
        var trusted = app.Configuration.GetSection(Section).Get<string[]>() ?? [];
        if (trusted.Length == 0)
        {
            return app;
        }

        var options = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto };
        options.KnownIPNetworks.Clear();
        options.KnownProxies.Clear();
        foreach (var entry in trusted)
        {
            if (System.Net.IPNetwork.TryParse(entry, out var network))
            {
                options.KnownIPNetworks.Add(network);
            }
            else if (IPAddress.TryParse(entry, out var address))
            {
                options.KnownProxies.Add(address);
            }
            else
            {
                throw new InvalidOperationException($"{Section} holds '{entry}', which is neither an address nor a network such as 10.0.0.0/8.");
            }
        }

        return app.UseForwardedHeaders(options);
    }
}
