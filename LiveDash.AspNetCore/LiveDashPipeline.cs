using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace LiveDash.AspNetCore;

/// <summary>Puts the telemetry middleware first, so arrival is stamped as early as the app can see a request.</summary>
sealed class LiveDashStartupFilter(IOptions<LiveDashOptions> options) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        if (options.Value.Enabled) app.UseMiddleware<TelemetryMiddleware>();
        next(app);
    };
}

/// <summary>Path prefixes whose requests are long-lived connections, not requests to measure.</summary>
sealed class UnmeasuredPaths(IOptions<LiveDashOptions> options)
{
    volatile PathString[] _prefixes = [.. options.Value.UnmeasuredPaths.Select(p => new PathString(p))];

    volatile PathString[] _hubs = [];

    /// <summary>LiveDash's hub: neither measured nor traced.</summary>
    public void AddHub(string prefix)
    {
        _prefixes = [.. _prefixes, new PathString(prefix)];
        _hubs = [.. _hubs, new PathString(prefix)];
    }

    /// <summary>
    /// Not traced: LiveDash's hub (its connections last as long as a dashboard is open) and WebSocket connections.
    /// The host's other unmeasured paths are traced: a request there may send requests of its own, whose spans
    /// would be dropped with their unsampled parent.
    /// </summary>
    public bool Traced(HttpContext context)
    {
        if (context.WebSockets.IsWebSocketRequest) return false;
        foreach (var hub in _hubs)
            if (context.Request.Path.StartsWithSegments(hub)) return false;
        return true;
    }

    public bool Match(PathString path)
    {
        foreach (var prefix in _prefixes)
            if (path.StartsWithSegments(prefix)) return true;
        return false;
    }
}
