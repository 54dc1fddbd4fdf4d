using System.Diagnostics.Metrics;

namespace LiveDash.AspNetCore;

/// <summary>
/// The hot path's instruments on meter "LiveDash", in OpenTelemetry's conventions: histograms (seconds)
/// and counters that any backend can aggregate across instances and time, recorded per request.
/// With nothing listening (no exporter, no dotnet-counters) a measurement is dropped at once.
/// </summary>
sealed class TelemetryInstruments
{
    /// <summary>http.server.request.duration's buckets, stretched to a minute for a starved pool.</summary>
    static readonly IReadOnlyList<double> Buckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 15, 30, 60];

    readonly Histogram<double> _endToEnd;
    readonly Histogram<double> _waitForThread;
    readonly Histogram<double> _waitToSend;
    readonly Histogram<double> _onThread;
    readonly Histogram<double> _blocked;
    readonly Counter<long> _requests;
    readonly Counter<long> _errors;

    readonly IReadOnlyList<string> _labels;

    public TelemetryInstruments(IMeterFactory meterFactory, ILiveDashLabels labels)
    {
        _labels = labels.Names;
        var meter = meterFactory.Create(TelemetryMetrics.MeterName);
        var advice = new InstrumentAdvice<double> { HistogramBucketBoundaries = Buckets };
        _endToEnd = meter.CreateHistogram("livedash.request.duration", "s",
            "End-to-end latency: the request's bytes reaching the socket → its response sent", advice: advice);
        _waitForThread = meter.CreateHistogram("livedash.request.wait_for_thread", "s",
            "Time a request waited for a thread before the app: its bytes reaching the socket → our first middleware (where measured at the socket)", advice: advice);
        _waitToSend = meter.CreateHistogram("livedash.request.wait_to_send", "s",
            "Time a response waited for a thread to be sent: the app handing it over → its last byte sent (where measured at the socket)", advice: advice);
        _onThread = meter.CreateHistogram("livedash.request.thread_time", "s",
            "Time a request held a thread (the rest of its time in the app it awaited holding none), per route pattern", advice: advice);
        _blocked = meter.CreateHistogram("livedash.request.blocked_time", "s",
            "Of a request's time on a thread, the time the thread sat blocked (sleep, socket, lock or wait), per route pattern", advice: advice);
        _requests = meter.CreateCounter<long>("livedash.requests", "{request}", "Requests completed");
        _errors = meter.CreateCounter<long>("livedash.requests.errors", "{request}", "Requests that failed (exception or 5xx)");
    }

    public void RequestCompleted(int mode, bool failed)
    {
        var tag = ModeTag(mode);
        _requests.Add(1, tag);
        if (failed) _errors.Add(1, tag);
    }

    /// <summary>A response whose arrival was not seen at the socket: its end to end only (from our first middleware).</summary>
    public void EndToEnd(int mode, long endToEndMicroseconds) => _endToEnd.Record(endToEndMicroseconds / 1e6, ModeTag(mode));

    public void EndToEnd(int mode, long endToEndMicroseconds, long waitMicroseconds, long sendWaitMicroseconds)
    {
        var tag = ModeTag(mode);
        _endToEnd.Record(endToEndMicroseconds / 1e6, tag);
        _waitForThread.Record(waitMicroseconds / 1e6, tag);
        _waitToSend.Record(sendWaitMicroseconds / 1e6, tag);
    }

    /// <summary>A request's time on a thread and blocked, tagged with its route pattern (a bounded set: see EndpointThreadTime).</summary>
    public void ThreadTime(string route, long onThreadNs, long blockedNs)
    {
        if (!_onThread.Enabled) return;
        var tag = new KeyValuePair<string, object?>("http.route", route);
        _onThread.Record(onThreadNs / 1e9, tag);
        _blocked.Record(blockedNs / 1e9, tag);
    }

    KeyValuePair<string, object?> ModeTag(int label) => new(TelemetryActivities.ModeAttribute, _labels[label % _labels.Count]);
}
