using System.Diagnostics.Metrics;

namespace LiveDash.AspNetCore;

/// <summary>The tick's levels (in flight, thread pool, CPU) as System.Diagnostics.Metrics gauges on meter "LiveDash", for dotnet-counters and OpenTelemetry.</summary>
internal sealed class TelemetryMetrics(IMeterFactory meterFactory, TickBroadcaster broadcaster, TelemetryRecorder recorder)
{
    public const string MeterName = "LiveDash";
    Meter? _meter;

    public void Attach()
    {
        if (_meter is not null) return;
        _meter = meterFactory.Create(MeterName);
        // Levels only: latencies, requests and errors are TelemetryInstruments' histograms and counters, recorded per request.
        _meter.CreateObservableUpDownCounter("livedash.requests.in_flight", () => recorder.InFlight, "{request}", "Requests being handled");
        Gauge("livedash.threadpool.threads", t => t.Threads, "{thread}", "Thread-pool threads");
        Gauge("livedash.threadpool.queue", t => t.QueuedWorkItems, "{work_item}", "Thread-pool work items waiting");
        Gauge("livedash.process.cpu", t => t.CpuPercent, "%", "Process CPU over all cores");
    }

    void Gauge(string name, Func<Tick, double> read, string unit, string description) =>
        _meter!.CreateObservableGauge(name, () => broadcaster.Latest is { } t ? [new Measurement<double>(read(t))] : Array.Empty<Measurement<double>>(), unit, description);
}
