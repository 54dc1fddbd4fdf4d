using System.Diagnostics;
using System.Diagnostics.Metrics;
using LiveDash.Admin;
using LiveDash.AspNetCore;
using LiveDash.Store;
using LiveDash.Store.Workers;
using LiveDash.Lecture;

namespace LiveDash.Telemetry;

/// <summary>A store request's label is the mode it runs in; the group is the server model (workers; 0 = thread pool).</summary>
sealed class StoreLabels(RuntimeSettings settings) : ILiveDashLabels
{
    public IReadOnlyList<string> Names { get; } = Enum.GetNames<StoreMode>();
    public int Of(HttpContext context) => (int)settings.Current.Mode;
    public int Current => (int)settings.Current.Mode;
    public int Group => settings.Current.Workers;
    public string GroupName(int group) => group switch { 0 => "thread pool", 1 => "1 worker", _ => $"{group} workers" };
}

/// <summary>
/// The store's figures on every tick: database latency and min-threads settings, the database pool, the worker
/// queue, admission control (shed per second; in flight, its limit, queued, its limit), and the last lecture run (sent when new and every 2 s after, so a dashboard opened later draws it too).
/// </summary>
sealed class StoreGauges(RuntimeSettings settings, DbPoolMonitor dbPool, LectureBoard lectures, StoreAdmission admission, IServiceProvider services) : ILiveDashGauges
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
        var (shedPerSecond, admitted) = admission.TickFigures();
        tick["shd"] = shedPerSecond;
        tick["adm"] = admitted;
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
