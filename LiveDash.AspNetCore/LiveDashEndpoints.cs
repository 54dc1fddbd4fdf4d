using System.Net;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LiveDash.AspNetCore;

/// <summary>
/// The endpoints <c>MapLiveDash</c> maps. Conventions added here apply to all of them; <see cref="Page"/>,
/// <see cref="Assets"/>, <see cref="Api"/>, <see cref="Hub"/> and <see cref="Blocking"/> take conventions of their own (e.g. a public
/// dashboard with an admin-only summary). An endpoint with no authorization metadata of the host's
/// (<c>RequireAuthorization</c>, <c>AllowAnonymous</c>) answers local clients only, and 403 to the rest.
/// </summary>
/// <remarks>
/// A request is local when its connection comes from a loopback address, it carries no forwarding header
/// (X-Forwarded-For, Forwarded, X-Real-IP, X-Forwarded-Host) unless the host's ForwardedHeaders middleware
/// resolved the client to a loopback address, and it did not arrive on a Unix socket or a named pipe (unless
/// <see cref="LiveDashOptions.TrustUnixSocket"/>). So a reverse proxy on the same host, which adds those headers,
/// does not make the Internet's requests local. A proxy that forwards without any of them does: open the
/// dashboard with the host's own authorization instead.
/// </remarks>
public sealed class LiveDashEndpoints : IEndpointConventionBuilder
{
    const string HowToOpen = "Open it on the machine itself (http://localhost), or let the host decide who may see it: app.MapLiveDash().RequireAuthorization(\"policy\"), or .AllowAnonymous() for everyone.";

    internal LiveDashEndpoints(IEndpointConventionBuilder page, IEndpointConventionBuilder assets, IEndpointConventionBuilder api, IEndpointConventionBuilder hub,
        IEndpointConventionBuilder? blocking = null)
    {
        Page = page;
        Assets = assets;
        Api = api;
        Hub = hub;
        Blocking = blocking ?? new NoEndpoints();
        foreach (var endpoint in All) endpoint.Finally(GuardLoopback);
    }

    /// <summary>The dashboard page, at the mapped path.</summary>
    public IEndpointConventionBuilder Page { get; }

    /// <summary>The dashboard's scripts, styles and client libraries, under <c>{path}/assets/</c>.</summary>
    public IEndpointConventionBuilder Assets { get; }

    /// <summary><c>GET {path}/api/summary?seconds=N</c>.</summary>
    public IEndpointConventionBuilder Api { get; }

    /// <summary>The SignalR hub the dashboards read ticks from.</summary>
    public IEndpointConventionBuilder Hub { get; }

    /// <summary>
    /// <c>POST</c> and <c>GET {path}/api/blocking/capture</c>: a capture that names where each endpoint's threads block
    /// (none when <see cref="LiveDashOptions.BlockingCapture"/> is off). It samples the whole process, so give it to operators only.
    /// </summary>
    public IEndpointConventionBuilder Blocking { get; }

    IEnumerable<IEndpointConventionBuilder> All => [Page, Assets, Api, Hub, Blocking];

    /// <inheritdoc />
    public void Add(Action<EndpointBuilder> convention)
    {
        foreach (var endpoint in All) endpoint.Add(convention);
    }

    /// <inheritdoc />
    public void Finally(Action<EndpointBuilder> finallyConvention)
    {
        foreach (var endpoint in All) endpoint.Finally(finallyConvention);
    }

    // Last (the route handler's delegate exists only then), wraps the endpoint's delegate; whether the host opened it is read from the endpoint's final metadata at request time.
    internal static void GuardLoopback(EndpointBuilder endpoint)
    {
        if (endpoint.RequestDelegate is not { } inner) return;
        endpoint.RequestDelegate = context => Opened(context) || NotLocalBecause(context) is not { } reason ? inner(context) : Refuse(context, reason);
    }

    static bool Opened(HttpContext context) =>
        context.GetEndpoint()?.Metadata is { } metadata && (metadata.GetMetadata<IAuthorizeData>() is not null || metadata.GetMetadata<IAllowAnonymous>() is not null);

    static readonly string[] ProxyOnlyHeaders = ["Forwarded", "X-Real-IP"];

    /// <summary>Null when the request is local; else why not, for the refusal.</summary>
    internal static string? NotLocalBecause(HttpContext context)
    {
        var connection = context.Connection;
        var trustSocket = context.RequestServices.GetService<IOptions<LiveDashOptions>>()?.Value.TrustUnixSocket ?? false;
        var local = context.Features.Get<IConnectionEndPointFeature>()?.LocalEndPoint;
        if ((connection.RemoteIpAddress is null || local is not (null or IPEndPoint)) && !trustSocket)
            return "it arrived on a Unix socket or a named pipe (the usual reverse-proxy link), not from a loopback address (LiveDashOptions.TrustUnixSocket allows it)";
        if (connection.RemoteIpAddress is { } address && !IsLoopback(address)) return $"it comes from {address}, not from this machine";
        var forwarded = context.RequestServices.GetService<IOptions<ForwardedHeadersOptions>>()?.Value ?? Defaults;
        var headers = context.Request.Headers;
        foreach (var name in ProxyOnlyHeaders)
            if (headers.ContainsKey(name)) return $"it came through a proxy ({name})";
        if (headers.ContainsKey(forwarded.ForwardedForHeaderName)) return $"it came through a proxy ({forwarded.ForwardedForHeaderName})";
        // The ForwardedHeaders middleware took the client from X-Forwarded-For (and kept the proxy's address in
        // X-Original-For): the address checked above is that client's, and the forwarded host says nothing about it.
        var resolved = headers.ContainsKey(forwarded.OriginalForHeaderName);
        if (!resolved && headers.ContainsKey(forwarded.ForwardedHostHeaderName)) return $"it came through a proxy ({forwarded.ForwardedHostHeaderName})";
        return null;
    }

    static readonly ForwardedHeadersOptions Defaults = new();

    static bool IsLoopback(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        return IPAddress.IsLoopback(address);
    }

    /// <summary>Stands for endpoints the options left out: conventions on it apply to nothing.</summary>
    sealed class NoEndpoints : IEndpointConventionBuilder
    {
        public void Add(Action<EndpointBuilder> convention) { }

        public void Finally(Action<EndpointBuilder> finallyConvention) { }
    }

    static Task Refuse(HttpContext context, string reason) => LiveDashProblem.Of(StatusCodes.Status403Forbidden,
        $"This request is not local: {reason}. {HowToOpen}", title: "LiveDash answers local clients only until the host opens it").ExecuteAsync(context);
}
