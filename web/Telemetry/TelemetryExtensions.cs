using System.Diagnostics;
using LiveDash.Store;
using LiveDash.Admin;
using LiveDash.Site;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace LiveDash.Telemetry;

/// <summary>Section "Telemetry".</summary>
public sealed class TelemetryOptions : IValidatedOptions
{
    public const string Section = "Telemetry";

    /// <summary>Record request timelines and publish ticks; off removes every per-request cost (for the overhead benchmark).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Measure arrival at the socket (end to end); off, latency counts from our first middleware (for the overhead benchmark).</summary>
    public bool MeasureArrival { get; set; } = true;

    public IEnumerable<string> Validate(string section) => [];
}

public static class TelemetryExtensions
{
    public const string HubPath = "/hubs/telemetry";

    public static bool TelemetryEnabled(this IServiceProvider services) => services.GetRequiredService<IOptions<TelemetryOptions>>().Value.Enabled;

    public static void AddTelemetry(this WebApplicationBuilder builder)
    {
        var options = builder.AddValidatedOptions<TelemetryOptions>(TelemetryOptions.Section);
        builder.Services.AddSignalR().AddJsonProtocol();
        builder.Services.AddSingleton<TelemetryInstruments>();
        builder.Services.AddSingleton<TelemetryRecorder>();
        builder.Services.AddSingleton<TickBroadcaster>();
        builder.Services.AddSingleton<DbPoolMonitor>();
        builder.Services.AddSingleton<TelemetryAggregator>();
        builder.Services.AddSingleton<RecentLatency>();
        builder.Services.AddSingleton<TelemetryMetrics>();
        builder.Services.AddSingleton<LectureBoard>();
        if (!options.Enabled) return;
        builder.Services.AddSingleton<IDbRoundTripObserver, TimelineRoundTripObserver>();
        builder.Services.AddHostedService<TelemetryTicker>();
        if (!options.MeasureArrival) return;
        // Every Kestrel endpoint's connections are watched, so end-to-end latency starts when the bytes arrive.
        builder.Services.AddSingleton<ArrivalWatcher>();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            var watcher = kestrel.ApplicationServices.GetRequiredService<ArrivalWatcher>();
            kestrel.ConfigureEndpointDefaults(listen => listen.Use(watcher.Middleware));
        });
    }

    /// <summary>First in the pipeline, so arrival is stamped as early as the app can see a request.</summary>
    public static void UseTelemetry(this WebApplication app)
    {
        if (app.Services.TelemetryEnabled()) app.UseMiddleware<TelemetryMiddleware>();
    }

    /// <summary>Just before the endpoint runs: ends the request's "queued" segment.</summary>
    public static void UseTelemetryHandlerStart(this WebApplication app)
    {
        if (!app.Services.TelemetryEnabled()) return;
        app.Use((context, next) =>
        {
            RequestTimeline.Current?.MarkHandlerStarted(Stopwatch.GetTimestamp(), context.GetEndpoint());
            return next(context);
        });
    }

    public static void MapTelemetry(this WebApplication app)
    {
        app.MapHub<TelemetryHub>(HubPath);
        app.MapClientTicksApi();
        app.MapTelemetrySummaryApi();
        app.MapLectureApi();
        // No database work: the baseline for measuring what telemetry itself costs per request.
        app.MapGet("/api/ping", () => Results.Ok(new Pong(true))).SkipsSignIn();
    }
}

public record Pong(bool Ok);
