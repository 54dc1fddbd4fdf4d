using System.Diagnostics;

namespace LiveDash.AspNetCore;

/// <summary>
/// Turns what the recorder gathered since the last tick into a <see cref="Tick"/>, adding the
/// process's insides (thread pool, GC, CPU), the host's gauges and per-label totals since the last reset.
/// Called by one thread at a time (the ticker, or a test).
/// </summary>
internal sealed class TelemetryAggregator : IDisposable
{
    public static readonly double[] HistogramEdgesMs =
        [0.1, 0.15, 0.2, 0.3, 0.5, 0.7, 1, 1.5, 2, 3, 5, 7, 10, 15, 20, 30, 50, 70, 100, 150, 200, 300, 500, 700, 1000, 1500, 2000, 3000, 5000, 7000, 10000];

    sealed class ModeTotals
    {
        public readonly LatencyHistogram Latency = new();
        public readonly LatencyHistogram InApp = new();
        public long Requests;
        public double Seconds;
        public int PeakThreads;
    }

    readonly TelemetryRecorder _recorder;
    readonly ILiveDashLabels _labels;
    readonly ILiveDashGauges[] _gauges;
    readonly TimeProvider _time;
    readonly RecentLatency _recent;
    readonly LatencyHistogram _combined = new();
    readonly LatencyHistogram _combinedInApp = new();
    // Keyed by label and host group; a request racing a group change may count under the new one.
    readonly SortedDictionary<(int Mode, int Group), ModeTotals> _modes = [];
    readonly long[] _edgesUs = [.. HistogramEdgesMs.Select(ms => (long)(ms * 1000))];
    int _resetRequested;
    long _seq;
    long _lastTimestamp;
    long _lastCompletedWorkItems;
    TimeSpan _lastCpu;

    readonly EndpointThreadTime? _threadTime;
    readonly RecentThreadTime? _recentThreads;

    public TelemetryAggregator(TelemetryRecorder recorder, ILiveDashLabels labels, TimeProvider time, RecentLatency recent, IEnumerable<ILiveDashGauges> gauges,
        EndpointThreadTime? threadTime = null, RecentThreadTime? recentThreads = null)
    {
        _threadTime = threadTime;
        _recentThreads = recentThreads;
        _recent = recent;
        _recorder = recorder;
        _labels = labels;
        _gauges = [.. gauges];
        _time = time;
        _lastTimestamp = Stopwatch.GetTimestamp();
        _lastCompletedWorkItems = ThreadPool.CompletedWorkItemCount;
        _lastCpu = Environment.CpuUsage.TotalTime;
    }

    /// <summary>Clears the per-label totals at the next tick.</summary>
    public void RequestReset() => Volatile.Write(ref _resetRequested, 1);

    public Tick Collect()
    {
        var now = Stopwatch.GetTimestamp();
        var seconds = Math.Max(Stopwatch.GetElapsedTime(_lastTimestamp, now).TotalSeconds, 1e-3);
        _lastTimestamp = now;
        var (window, ok, errors, requestsByMode) = _recorder.Swap();
        var label = _labels.Current;
        var group = _labels.Group;

        _combined.Reset();
        foreach (var h in window.EndToEnd) _combined.Add(h);
        _combinedInApp.Reset();
        foreach (var h in window.InApp) _combinedInApp.Add(h);

        var threads = ThreadPool.ThreadCount;
        if (Interlocked.Exchange(ref _resetRequested, 0) == 1) _modes.Clear();
        for (var i = 0; i < requestsByMode.Length; i++)
        {
            if (requestsByMode[i] == 0) continue;
            var totals = Totals(i, group);
            totals.Latency.Add(window.EndToEnd[i]);
            totals.InApp.Add(window.InApp[i]);
            totals.Requests += requestsByMode[i];
        }
        var current = Totals(label % requestsByMode.Length, group);
        current.Seconds += seconds;
        current.PeakThreads = Math.Max(current.PeakThreads, threads);

        var completed = ThreadPool.CompletedWorkItemCount;
        var cpu = Environment.CpuUsage.TotalTime;
        var completedRate = (completed - _lastCompletedWorkItems) / seconds;
        var cpuPercent = (cpu - _lastCpu).TotalSeconds / seconds / Environment.ProcessorCount * 100;
        _lastCompletedWorkItems = completed;
        _lastCpu = cpu;
        ThreadPool.GetMinThreads(out var minWorkers, out _);

        var unixMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        _recent.Add(unixMs, _combined, _combinedInApp, window.WaitForThread, window.WaitToSend, window.MeasuredCount, ok + errors, label);
        var (waterfall, labels) = Waterfall(window, now);
        var endpoints = _threadTime?.Collect();
        _recentThreads?.Add(unixMs, endpoints, threads);
        var tick = new Tick
        {
            Seq = ++_seq,
            UnixMs = unixMs,
            IntervalMs = Math.Round(seconds * 1000, 1),
            Mode = label,
            Ok = ok,
            Errors = errors,
            Rps = Math.Round((ok + errors) / seconds, 1),
            InFlight = Math.Max(0, _recorder.InFlight),
            Percentiles = Percentiles(_combined),
            InAppPercentiles = Percentiles(_combinedInApp),
            WaitForThread = [Ms((long)window.WaitForThread.Mean), Ms(window.WaitForThread.ValueAtPercentile(99))],
            WaitToSend = [Ms((long)window.WaitToSend.Mean), Ms(window.WaitToSend.ValueAtPercentile(99))],
            MeasuredShare = _combined.Count == 0 ? 0 : Math.Min(1, Math.Round(window.MeasuredCount / (double)_combined.Count, 3)),
            Threads = threads,
            QueuedWorkItems = ThreadPool.PendingWorkItemCount,
            CompletedWorkItemsPerSecond = Math.Round(completedRate),
            MinWorkerThreads = minWorkers,
            HeapMb = Math.Round(GC.GetTotalMemory(false) / 1048576.0, 1),
            CpuPercent = Math.Round(Math.Clamp(cpuPercent, 0, 100), 1),
            Histogram = Bins(_combined),
            Waterfall = waterfall,
            RoundTripLabels = labels,
            Changes = _recorder.TakeChanges(),
            ClientTicks = _recorder.TakeClientTicks(),
            Modes = Summaries(),
            MeanMs = Math.Round(_combined.Mean / 1000, 2),
            Extra = Gauges(),
            Endpoints = endpoints,
        };
        Collected?.Invoke(tick, _combined);
        return tick;
    }

    /// <summary>Raised on the collecting thread with each tick and its end-to-end histogram (valid only during the call).</summary>
    public event Action<Tick, LatencyHistogram>? Collected;

    static double Ms(long us) => Math.Round(us / 1000.0, 2);

    static double[] Percentiles(LatencyHistogram h) =>
        [Ms(h.ValueAtPercentile(50)), Ms(h.ValueAtPercentile(90)), Ms(h.ValueAtPercentile(95)), Ms(h.ValueAtPercentile(99)), Ms(h.Max)];

    int[] Bins(LatencyHistogram histogram)
    {
        var bins = new int[_edgesUs.Length + 1];
        foreach (var (low, high, count) in histogram.Buckets())
        {
            var mid = (low + high) / 2;
            var index = Array.BinarySearch(_edgesUs, mid);
            index = index >= 0 ? index + 1 : ~index;
            bins[index] += (int)Math.Min(count, int.MaxValue - bins[index]);
        }
        return bins;
    }

    public const int MaxRoundTripLabels = 16;
    const int MaxLabelLength = 24;

    static (WaterfallEntry[]? Entries, string[]? Labels) Waterfall(TelemetryRecorder.Window window, long now)
    {
        List<WaterfallEntry>? entries = null;
        List<string>? labels = null;
        foreach (var sample in window.Samples)
        {
            if (sample is null) continue;
            entries ??= new(TelemetryRecorder.WaterfallSize);
            labels ??= [];
            var ids = new int[sample.LabelNames.Length];
            for (var i = 0; i < ids.Length; i++) ids[i] = LabelId(labels, sample.LabelNames[i]);
            entries.Add(sample with { Start = -Math.Round(Stopwatch.GetElapsedTime(sample.ArrivedTimestamp, now).TotalMilliseconds, 2), Labels = ids });
        }
        if (entries is null) return (null, null);
        entries.Sort((a, b) => a.Start.CompareTo(b.Start));
        return ([.. entries], [.. labels!]);
    }

    // Round-trip labels are a handful of constants in the host; the cap only guards the tick's size.
    static int LabelId(List<string> labels, string label)
    {
        if (label.Length > MaxLabelLength) label = label[..MaxLabelLength];
        var index = labels.IndexOf(label);
        if (index >= 0) return index;
        if (labels.Count < MaxRoundTripLabels - 1) { labels.Add(label); return labels.Count - 1; }
        index = labels.IndexOf("other");
        if (index >= 0) return index;
        labels.Add("other");
        return labels.Count - 1;
    }

    ModeTotals Totals(int mode, int group)
    {
        if (!_modes.TryGetValue((mode, group), out var totals)) _modes[(mode, group)] = totals = new();
        return totals;
    }

    ModeSummary[] Summaries()
    {
        var list = new List<ModeSummary>(_modes.Count);
        foreach (var ((mode, group), m) in _modes)
        {
            if (m.Requests == 0 && m.Seconds == 0) continue;
            list.Add(new ModeSummary(mode, m.Requests, Math.Round(m.Seconds, 1), Math.Round(m.Seconds > 0 ? m.Requests / m.Seconds : 0, 1),
                Ms(m.Latency.ValueAtPercentile(50)), Ms(m.Latency.ValueAtPercentile(95)), Ms(m.Latency.ValueAtPercentile(99)), m.PeakThreads,
                Ms(m.InApp.ValueAtPercentile(50)), Ms(m.InApp.ValueAtPercentile(99)), group));
        }
        return [.. list];
    }

    Dictionary<string, object>? Gauges()
    {
        if (_gauges.Length == 0) return null;
        var extra = new Dictionary<string, object>(8);
        foreach (var gauge in _gauges) gauge.Write(extra);
        return extra.Count == 0 ? null : extra;
    }

    public void Dispose()
    {
    }
}
