using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace LiveDash.Admin;

/// <summary>
/// Behind the farm's HAProxy every request comes from the proxy: with LiveDash:TrustedProxy set to the address it
/// connects from, a request from that address alone takes its client address from X-Forwarded-For (the last entry,
/// the one the proxy added), so the sign-in throttle counts each real client. A header sent straight to an instance
/// is ignored. Unset (one instance, no proxy): nothing on the request path.
/// </summary>
public static class TrustedProxy
{
    public static void UseTrustedProxy(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<StoreOptions>>().Value.TrustedProxy is not { Length: > 0 } proxy) return;
        var forwarded = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor, ForwardLimit = 1 };
        forwarded.KnownIPNetworks.Clear();
        forwarded.KnownProxies.Clear();
        forwarded.KnownProxies.Add(IPAddress.Parse(proxy));
        app.UseForwardedHeaders(forwarded);
    }
}
