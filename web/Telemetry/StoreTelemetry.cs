using System.Diagnostics;
using System.Diagnostics.Metrics;
using LiveDash.Admin;
using LiveDash.AspNetCore;
using LiveDash.Site;
using LiveDash.Store;
using LiveDash.Store.Workers;
using Microsoft.Extensions.Options;

namespace LiveDash.Telemetry;

/// <summary>Section "Telemetry": the store's switches for the LiveDash library.</summary>
public sealed class TelemetryOptions : IValidatedOptions
{
    public const string Section = "Telemetry";

    /// <summary>Record request timelines and publish ticks; off removes every per-request cost (for the overhead benchmark).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Measure arrival at the socket (end to end); off, latency counts from our first middleware (for the overhead benchmark).</summary>
    public bool MeasureArrival { get; set; } = true;

    public IEnumerable<string> Validate(string section) => [];
}

/// <summary>The store on the LiveDash library: its labels (mode, server model), gauges, markers and admin APIs.</summary>
public static class StoreTelemetryExtensions
{
    public const string HubPath = "/hubs/telemetry";
    public const string DashboardPath = "/livedash";

    public static bool TelemetryEnabled(this IServiceProvider services) => services.GetRequiredService<IOptions<TelemetryOptions>>().Value.Enabled;

    public static void AddTelemetry(this WebApplicationBuilder builder)
    {
        var options = builder.AddValidatedOptions<TelemetryOptions>(TelemetryOptions.Section);
        builder.Services.AddLiveDash(o =>
        {
            o.Enabled = options.Enabled;
            o.MeasureArrival = options.MeasureArrival;
            o.HubPath = HubPath;
            o.UnmeasuredPaths.Add("/hubs");
        });
        builder.WebHost.UseLiveDash();
        builder.Services.AddSingleton<ILiveDashLabels, StoreLabels>();
        builder.Services.AddSingleton<DbPoolMonitor>();
        builder.Services.AddSingleton<LectureBoard>();
        builder.Services.AddSingleton<ILiveDashGauges, StoreGauges>();
        if (!options.Enabled) return;
        builder.Services.AddSingleton<IDbRoundTripObserver, TimelineRoundTripObserver>();
    }

    /// <summary>Settings changes and resets become the dashboards' markers; the database pool joins the "LiveDash" meter.</summary>
    public static void UseTelemetry(this WebApplication app)
    {
        var settings = app.Services.GetRequiredService<RuntimeSettings>();
        Bridge(settings, app.Services.GetRequiredService<LiveDashFeed>());
        StoreMetrics.Attach(app.Services.GetRequiredService<IMeterFactory>(), app.Services.GetRequiredService<LiveDashFeed>());
    }

    /// <summary>Forwards the store's settings changes and resets to the library as markers.</summary>
    public static void Bridge(RuntimeSettings settings, LiveDashFeed feed)
    {
        settings.Changed += change => feed.Mark(new ChangeMessage(change.At.ToUnixTimeMilliseconds(), change.Channel, change.Field, change.OldValue, change.NewValue));
        settings.ResetRequested += _ => feed.ResetTotals();
    }

    /// <summary>Just before the endpoint runs: ends the request's "queued" segment.</summary>
    public static void UseTelemetryHandlerStart(this WebApplication app)
    {
        if (app.Services.TelemetryEnabled()) app.UseLiveDashHandlerStart();
    }

    public static void MapTelemetry(this WebApplication app)
    {
        // The store's dashboard is public; the library's own page and summary stay admin-only.
        var livedash = app.MapLiveDash(DashboardPath);
        livedash.Hub.AllowAnonymous();
        livedash.Assets.AllowAnonymous();
        livedash.Page.RequireAuthorization(AdminExtensions.ApiPolicy);
        livedash.Api.RequireAuthorization(AdminExtensions.ApiPolicy);
        app.MapClientTicksApi();
        app.MapTelemetrySummaryApi();
        app.MapLectureApi();
        // No database work: the baseline for measuring what telemetry itself costs per request.
        app.MapGet("/api/ping", () => Results.Ok(new Pong(true))).SkipsSignIn();
    }
}

public record Pong(bool Ok);

/// <summary>A store request's label is the mode it runs in; the model is the server model (workers; 0 = thread pool).</summary>
sealed class StoreLabels(RuntimeSettings settings) : ILiveDashLabels
{
    public IReadOnlyList<string> Names { get; } = Enum.GetNames<StoreMode>();
    public int Of(HttpContext context) => (int)settings.Current.Mode;
    public int Current => (int)settings.Current.Mode;
    public int Model => settings.Current.Workers;
}

/// <summary>
/// The store's figures on every tick: database latency and min-threads settings, the database pool, the worker
/// queue, and the last lecture run (sent when new and every 2 s after, so a dashboard opened later draws it too).
/// </summary>
sealed class StoreGauges(RuntimeSettings settings, DbPoolMonitor dbPool, LectureBoard lectures, IServiceProvider services) : ILiveDashGauges
{
    readonly WorkerPool? _workers = services.GetService<WorkerPool>();
    long _lectureSent;
    long _ticks;

    public void Write(IDictionary<string, object> tick)
    {
        var current = settings.Current;
        tick["lat"] = current.DbLatencyMs;
        tick["mts"] = current.MinThreads;
        if (dbPool.Read() is { } pool) tick["db"] = pool;
        var (queue, oldest) = _workers?.QueueState() ?? (0, 0);
        tick["wk"] = current.Workers;
        tick["wq"] = queue;
        tick["wo"] = Math.Round(oldest, 1);
        if (LectureToSend() is { } lecture) tick["lc"] = lecture;
    }

    LectureReport? LectureToSend()
    {
        var seq = ++_ticks;
        if (lectures.Latest is not { } latest) return null;
        if (latest.Id == _lectureSent && seq % 8 != 0) return null;
        _lectureSent = latest.Id;
        return latest;
    }
}

/// <summary>Hands each database round trip to the current request's timeline (an AsyncLocal, so it works on any thread the request runs on).</summary>
sealed class TimelineRoundTripObserver : IDbRoundTripObserver
{
    public long Begin(string label) => RequestTimeline.Current?.BeginRoundTrip(label, Stopwatch.GetTimestamp()) ?? -1;

    public void End(long token, string label) => RequestTimeline.Current?.EndRoundTrip(token, Stopwatch.GetTimestamp());
}

/// <summary>The database pool on the library's meter "LiveDash", read from the latest tick.</summary>
static class StoreMetrics
{
    public static void Attach(IMeterFactory meters, LiveDashFeed feed)
    {
        var meter = meters.Create(LiveDashFeed.MeterName);
        meter.CreateObservableGauge("livedash.db.connections.busy", () => Read(feed, 0), "{connection}", "Database connections in use");
        meter.CreateObservableGauge("livedash.db.connections.idle", () => Read(feed, 1), "{connection}", "Idle database connections");
    }

    static IEnumerable<Measurement<double>> Read(LiveDashFeed feed, int index) =>
        feed.Latest?.Extra?.GetValueOrDefault("db") is long[] pool ? [new Measurement<double>(pool[index])] : [];
}
