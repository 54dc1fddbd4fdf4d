using System.Diagnostics;
using LiveDash.AspNetCore;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Builder;

/// <summary>The second of the three lines: <c>builder.WebHost.UseLiveDash()</c>.</summary>
public static class LiveDashWebHostBuilderExtensions
{
    /// <summary>
    /// Watches every Kestrel connection's socket (Linux, HTTP/1.x) so end-to-end latency starts when a request's
    /// bytes arrive, before any thread-pool thread runs for it; and serves the package's static web assets in
    /// any environment.
    /// </summary>
    /// <param name="builder">The host's web host builder (<c>builder.WebHost</c>).</param>
    /// <returns>The same builder.</returns>
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

}

/// <summary>The third of the three lines: <c>app.MapLiveDash()</c>.</summary>
public static class LiveDashEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the dashboard at <paramref name="path"/> (default <see cref="LiveDashOptions.Path"/>), its assets under
    /// <c>{path}/assets/</c>, the summary at <c>{path}/api/summary?seconds=N</c>, the blocking capture at
    /// <c>{path}/api/blocking/capture</c> (unless <see cref="LiveDashOptions.BlockingCapture"/> is off) and the hub (<see cref="LiveDashOptions.HubPath"/>).
    /// With no authorization of the host's on them they answer local clients only (403 otherwise; see <see cref="LiveDashEndpoints"/>); open them
    /// with the returned builder, e.g. <c>.RequireAuthorization("ops")</c>, or <c>.AllowAnonymous()</c> for everyone.
    /// </summary>
    /// <param name="endpoints">The host's app (or any endpoint route builder).</param>
    /// <param name="path">Where to serve the dashboard; default <see cref="LiveDashOptions.Path"/>.</param>
    /// <returns>The endpoints, to open them (<c>.RequireAuthorization(…)</c>, <c>.AllowAnonymous()</c>) or add conventions.</returns>
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
    /// Maps the summary <c>MapLiveDash</c> serves at <c>{path}/api/summary</c> at another <paramref name="pattern"/> too, e.g. under
    /// the host's own admin API: <c>GET {pattern}?seconds=N</c> (1 to <see cref="LiveDashFeed.MaxSummarySeconds"/>, default 10)
    /// answers <see cref="LiveDashFeed.Summarize"/> with the host's <see cref="ILiveDashSummaryFields"/>, and a bad <c>seconds</c> a
    /// 400 problem naming it. Like <c>MapLiveDash</c>'s endpoints it answers local clients only until the host opens it
    /// (<c>.RequireAuthorization(…)</c> or <c>.AllowAnonymous()</c> on the returned builder).
    /// </summary>
    /// <param name="endpoints">The host's app (or any endpoint route builder).</param>
    /// <param name="pattern">The route pattern, e.g. <c>/admin/api/telemetry/summary</c>.</param>
    /// <returns>The endpoint's builder, to open it or add conventions.</returns>
    public static RouteHandlerBuilder MapLiveDashSummary(this IEndpointRouteBuilder endpoints, string pattern)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pattern);
        var summary = endpoints.MapTelemetrySummaryApi(pattern);
        summary.Finally(LiveDashEndpoints.GuardLoopback);
        return summary;
    }

}

/// <summary>An optional middleware for a host with a queue of its own before its endpoints.</summary>
public static class LiveDashApplicationBuilderExtensions
{
    /// <summary>
    /// Optional, placed just before the endpoints: ends each request's "queued" segment in the waterfall (the time
    /// between the first middleware and the endpoint, e.g. a queue of the host's own).
    /// </summary>
    /// <param name="app">The host's app.</param>
    /// <returns>The same app.</returns>
    public static IApplicationBuilder UseLiveDashHandlerStart(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        RequestTimeline.Current?.MarkHandlerStarted(Stopwatch.GetTimestamp(), context.GetEndpoint());
        return next(context);
    });
}
