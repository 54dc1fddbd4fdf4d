using System.Diagnostics.Metrics;

namespace LiveDash.Telemetry;

/// <summary>The tick's figures as System.Diagnostics.Metrics instruments on meter "LiveDash", for dotnet-counters and friends.</summary>
sealed class TelemetryMetrics(IMeterFactory meterFactory, TickBroadcaster broadcaster, TelemetryRecorder recorder)
{
    public const string MeterName = "LiveDash";
    Meter? _meter;

    public void Attach()
    {
        if (_meter is not null) return;
        _meter = meterFactory.Create(MeterName);
        _meter.CreateObservableCounter("livedash.requests", () => recorder.Total, "{request}", "Requests completed");
        _meter.CreateObservableUpDownCounter("livedash.requests.in_flight", () => recorder.InFlight, "{request}", "Requests being handled");
        Gauge("livedash.requests.rate", t => t.Rps, "{request}/s", "Requests completed per second in the last tick");
        Gauge("livedash.requests.error_rate", t => t.Errors / Math.Max(t.IntervalMs / 1000, 1e-3), "{request}/s", "Failed requests per second in the last tick");
        Gauge("livedash.latency.p50", t => t.Percentiles[0], "ms", "Median end-to-end latency (bytes received → response done) in the last tick");
        Gauge("livedash.latency.p95", t => t.Percentiles[2], "ms", "95th percentile end-to-end latency in the last tick");
        Gauge("livedash.latency.p99", t => t.Percentiles[3], "ms", "99th percentile end-to-end latency in the last tick");
        Gauge("livedash.latency.in_app.p50", t => t.InAppPercentiles[0], "ms", "Median in-app latency (first middleware → response done) in the last tick");
        Gauge("livedash.latency.waiting_for_thread", t => t.WaitForThread[0], "ms", "Mean wait for a thread (bytes received → first middleware) in the last tick");
        Gauge("livedash.threadpool.threads", t => t.Threads, "{thread}", "Thread-pool threads");
        Gauge("livedash.threadpool.queue", t => t.QueuedWorkItems, "{work_item}", "Thread-pool work items waiting");
        Gauge("livedash.process.cpu", t => t.CpuPercent, "%", "Process CPU over all cores");
    }

    void Gauge(string name, Func<Tick, double> read, string unit, string description) =>
        _meter!.CreateObservableGauge(name, () => broadcaster.Latest is { } t ? [new Measurement<double>(read(t))] : Array.Empty<Measurement<double>>(), unit, description);
}
