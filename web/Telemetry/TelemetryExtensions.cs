using System.Diagnostics;
using LiveDash.Store;
using Microsoft.AspNetCore.SignalR;

namespace LiveDash.Telemetry;

public class TelemetryOptions
{
    /// <summary>Record request timelines and publish ticks; off removes every per-request cost (for the overhead benchmark).</summary>
    public bool Enabled { get; set; } = true;
}

public static class TelemetryExtensions
{
    public const string HubPath = "/hubs/telemetry";

    public static bool TelemetryEnabled(this IConfiguration config) => config.GetValue("Telemetry:Enabled", true);

    public static void AddTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<TelemetryOptions>().BindConfiguration("Telemetry");
        builder.Services.AddSignalR().AddJsonProtocol();
        builder.Services.AddSingleton<TelemetryRecorder>();
        builder.Services.AddSingleton<TickBroadcaster>();
        builder.Services.AddSingleton<DbPoolMonitor>();
        builder.Services.AddSingleton<TelemetryAggregator>();
        builder.Services.AddSingleton<TelemetryMetrics>();
        builder.Services.AddSingleton<LectureBoard>();
        if (!builder.Configuration.TelemetryEnabled()) return;
        builder.Services.AddSingleton<IDbRoundTripObserver, TimelineRoundTripObserver>();
        builder.Services.AddHostedService<TelemetryTicker>();
    }

    /// <summary>First in the pipeline, so arrival is stamped as early as the app can see a request.</summary>
    public static void UseTelemetry(this WebApplication app)
    {
        if (app.Configuration.TelemetryEnabled()) app.UseMiddleware<TelemetryMiddleware>();
    }

    /// <summary>Just before the endpoint runs: ends the request's "queued" segment.</summary>
    public static void UseTelemetryHandlerStart(this WebApplication app)
    {
        if (!app.Configuration.TelemetryEnabled()) return;
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
        app.MapLectureApi();
        // No database work: the baseline for measuring what telemetry itself costs per request.
        app.MapGet("/api/ping", () => Results.Ok(new Pong(true)));
    }
}

public record Pong(bool Ok);
