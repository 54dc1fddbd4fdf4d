using System.Diagnostics;
using LiveDash.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace LiveDash.AspNetCore;

/// <summary>The three lines a host adds: <c>AddLiveDash</c>, <c>UseLiveDash</c> and <c>MapLiveDash</c>.</summary>
public static class LiveDashExtensions
{
    /// <summary>
    /// Registers the recorder, the 4 Hz ticker, the hub, the meter "LiveDash" and <see cref="LiveDashFeed"/>, and
    /// puts LiveDash's middleware first in the pipeline. Register an <see cref="ILiveDashLabels"/> to label requests
    /// and any number of <see cref="ILiveDashGauges"/> to add figures to the tick. With OTEL_EXPORTER_OTLP_ENDPOINT set
    /// (and <see cref="LiveDashOptions.OpenTelemetry"/> Auto) it also wires the OpenTelemetry SDK: traces, metrics and logs over OTLP.
    /// </summary>
    public static IServiceCollection AddLiveDash(this IServiceCollection services, Action<LiveDashOptions>? configure = null)
    {
        var options = services.AddOptions<LiveDashOptions>();
        if (configure is not null) options.Configure(configure);
        var now = new LiveDashOptions();
        configure?.Invoke(now);
        if (LiveDashOpenTelemetry.IsOn(now)) LiveDashOpenTelemetry.Add(services, now);
        services.AddSignalR().AddJsonProtocol();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ILiveDashLabels, LiveDashLabels>();
        services.TryAddSingleton<TelemetryInstruments>();
        services.TryAddSingleton(sp => new TelemetryRecorder(sp.GetRequiredService<ILiveDashLabels>().Names.Count, sp.GetRequiredService<TelemetryInstruments>()));
        services.TryAddSingleton<TickBroadcaster>();
        services.TryAddSingleton<RecentLatency>();
        services.TryAddSingleton<TelemetryAggregator>();
        services.TryAddSingleton<TelemetryMetrics>();
        services.TryAddSingleton<UnmeasuredPaths>();
        services.TryAddSingleton(sp => new LiveDashFeed(sp.GetRequiredService<TelemetryRecorder>(), sp.GetRequiredService<RecentLatency>(),
            sp.GetRequiredService<TickBroadcaster>(), sp.GetRequiredService<TelemetryAggregator>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IThreadRouteSource, ThreadRouteRecorder>();
        services.TryAddSingleton<BlockingCapture>();
        services.TryAddSingleton(sp => new ArrivalWatcher(sp.GetRequiredService<TelemetryRecorder>()));
        services.AddHostedService<TelemetryTicker>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStartupFilter, LiveDashStartupFilter>());
        return services;
    }

    /// <summary>
    /// Watches every Kestrel connection's socket (Linux, HTTP/1.x) so end-to-end latency starts when a request's
    /// bytes arrive, before any thread-pool thread runs for it; and serves the package's static web assets in
    /// any environment.
    /// </summary>
    public static IWebHostBuilder UseLiveDash(this IWebHostBuilder builder)
    {
        builder.UseStaticWebAssets();
        return builder.ConfigureKestrel(kestrel =>
        {
            var options = kestrel.ApplicationServices.GetRequiredService<IOptions<LiveDashOptions>>().Value;
            if (!options.Enabled || !options.MeasureArrival) return;
            var watcher = kestrel.ApplicationServices.GetRequiredService<ArrivalWatcher>();
            kestrel.ConfigureEndpointDefaults(listen => listen.Use(watcher.Middleware));
        });
    }

    /// <summary>
    /// Maps the dashboard at <paramref name="path"/> (default <see cref="LiveDashOptions.Path"/>), its assets under
    /// <c>{path}/assets/</c>, the summary at <c>{path}/api/summary?seconds=N</c>, the blocking capture at
    /// <c>{path}/api/blocking/capture</c> (unless <see cref="LiveDashOptions.BlockingCapture"/> is off) and the hub (<see cref="LiveDashOptions.HubPath"/>).
    /// With no authorization of the host's on them they answer loopback clients only (403 otherwise); open them
    /// with the returned builder, e.g. <c>.RequireAuthorization("ops")</c>, or <c>.AllowAnonymous()</c> for everyone.
    /// </summary>
    public static LiveDashEndpoints MapLiveDash(this IEndpointRouteBuilder endpoints, string? path = null)
    {
        var options = endpoints.ServiceProvider.GetRequiredService<IOptions<LiveDashOptions>>().Value;
        path = "/" + (path ?? options.Path).Trim('/');
        var hubPath = options.HubPathFor(path);
        endpoints.ServiceProvider.GetRequiredService<UnmeasuredPaths>().AddHub(hubPath);
        var prefix = path == "/" ? "" : path;
        var page = endpoints.MapGet(path, (HttpContext context) => DashboardPage.Render(context, prefix, hubPath)).ExcludeFromDescription();
        var assets = endpoints.MapGet(prefix + "/assets/{**file}", (string file, HttpContext context) => DashboardAssets.Serve(context, file)).ExcludeFromDescription();
        var api = endpoints.MapTelemetrySummaryApi(prefix + "/api/summary");
        var hub = endpoints.MapHub<TelemetryHub>(hubPath);
        var blocking = options.BlockingCapture ? endpoints.MapBlockingCaptureApi(prefix + "/api/blocking/capture") : null;
        return new LiveDashEndpoints(page, assets, api, hub, blocking);
    }

    /// <summary>
    /// Optional, placed just before the endpoints: ends each request's "queued" segment in the waterfall (the time
    /// between the first middleware and the endpoint, e.g. a queue of the host's own).
    /// </summary>
    public static IApplicationBuilder UseLiveDashHandlerStart(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        RequestTimeline.Current?.MarkHandlerStarted(Stopwatch.GetTimestamp(), context.GetEndpoint());
        return next(context);
    });
}

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
