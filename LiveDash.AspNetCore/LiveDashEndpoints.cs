using System.Net;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace LiveDash.AspNetCore;

/// <summary>
/// The endpoints <c>MapLiveDash</c> maps. Conventions added here apply to all of them; <see cref="Page"/>,
/// <see cref="Assets"/>, <see cref="Api"/>, <see cref="Hub"/> and <see cref="Blocking"/> take conventions of their own (e.g. a public
/// dashboard with an admin-only summary). An endpoint with no authorization metadata of the host's
/// (<c>RequireAuthorization</c>, <c>AllowAnonymous</c>) answers loopback clients only.
/// </summary>
public sealed class LiveDashEndpoints : IEndpointConventionBuilder
{
    const string Refusal = "LiveDash answers only local clients until the host opens it: MapLiveDash(...).RequireAuthorization(policy), or .AllowAnonymous().";

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
    static void GuardLoopback(EndpointBuilder endpoint)
    {
        if (endpoint.RequestDelegate is not { } inner) return;
        endpoint.RequestDelegate = context => Opened(context) || IsLocal(context.Connection.RemoteIpAddress) ? inner(context) : Refuse(context);
    }

    static bool Opened(HttpContext context) =>
        context.GetEndpoint()?.Metadata is { } metadata && (metadata.GetMetadata<IAuthorizeData>() is not null || metadata.GetMetadata<IAllowAnonymous>() is not null);

    /// <summary>Loopback, or no IP at all (a Unix socket, an in-process test server).</summary>
    internal static bool IsLocal(IPAddress? address)
    {
        if (address is null) return true;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        return IPAddress.IsLoopback(address);
    }

    /// <summary>Stands for endpoints the options left out: conventions on it apply to nothing.</summary>
    sealed class NoEndpoints : IEndpointConventionBuilder
    {
        public void Add(Action<EndpointBuilder> convention) { }

        public void Finally(Action<EndpointBuilder> finallyConvention) { }
    }

    static Task Refuse(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(Refusal);
    }
}
