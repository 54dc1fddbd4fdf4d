using System.Text.Json.Serialization;

namespace LiveDash.AspNetCore;

/// <summary>
/// The last minute of latency, one compact slot per second (end to end, in app, waiting for a thread before the app and to send),
/// so scripts can ask "what did the last N seconds look like" (GET {path}/api/summary).
/// Fed by the aggregator once per tick; read by requests under a short lock that never spans I/O.
/// </summary>
internal sealed class RecentLatency
{
    public const int MaxSeconds = 60;

    sealed record Slot(long Second, long Requests, long Measured, int Mode,
        LatencyHistogram.Snapshot EndToEnd, LatencyHistogram.Snapshot InApp, LatencyHistogram.Snapshot WaitForThread, LatencyHistogram.Snapshot WaitToSend);

    readonly Slot?[] _slots = new Slot?[MaxSeconds];
    readonly Lock _lock = new();
    readonly LatencyHistogram _endToEnd = new(), _inApp = new(), _wait = new(), _send = new();
    long _second = -1, _requests, _measured;
    int _mode;

    /// <summary>
    /// Adds one tick's requests; rolls the current second into history when the second changes. The tick's
    /// end-to-end and in-app histograms hold all modes together.
    /// </summary>
    public void Add(long unixMs, LatencyHistogram endToEnd, LatencyHistogram inApp, LatencyHistogram waitForThread, LatencyHistogram waitToSend, long measured, long requests, int mode)
    {
        var second = unixMs / 1000;
        lock (_lock)
        {
            if (second != _second) Roll(second);
            _endToEnd.Add(endToEnd);
            _inApp.Add(inApp);
            _wait.Add(waitForThread);
            _send.Add(waitToSend);
            _requests += requests;
            _measured += measured;
            _mode = mode;
        }
    }

    void Roll(long second)
    {
        if (_second >= 0)
            _slots[_second % MaxSeconds] = new Slot(_second, _requests, _measured, _mode,
                _endToEnd.TakeSnapshot(), _inApp.TakeSnapshot(), _wait.TakeSnapshot(), _send.TakeSnapshot());
        _endToEnd.Reset(); _inApp.Reset(); _wait.Reset(); _send.Reset();
        _requests = 0; _measured = 0;
        _second = second;
    }

    /// <summary>The completed seconds among the last <paramref name="seconds"/> before <paramref name="nowUnixMs"/>.</summary>
    public LatencySummary Summarize(long nowUnixMs, int seconds)
    {
        seconds = Math.Clamp(seconds, 1, MaxSeconds);
        var newest = nowUnixMs / 1000 - 1;  // the current second is still filling
        var oldest = newest - seconds + 1;
        LatencyHistogram endToEnd = new(), inApp = new(), wait = new(), send = new();
        long requests = 0, measured = 0;
        int? mode = null;
        lock (_lock)
        {
            foreach (var slot in _slots)
            {
                if (slot is null || slot.Second < oldest || slot.Second > newest) continue;
                endToEnd.Add(slot.EndToEnd); inApp.Add(slot.InApp); wait.Add(slot.WaitForThread); send.Add(slot.WaitToSend);
                requests += slot.Requests;
                measured += slot.Measured;
                if (mode is null || slot.Second == newest) mode = slot.Mode;
            }
        }
        // Shares of end-to-end samples, which are recorded when a response has left (a little after the request is counted).
        var samples = endToEnd.Count;
        var source = samples > 0 && measured >= samples ? "measured" : "estimated";
        return new LatencySummary(seconds, requests, Math.Round(requests / (double)seconds, 1),
            new EndToEndFigures(Ms(endToEnd.ValueAtPercentile(50)), Ms(endToEnd.ValueAtPercentile(99)), Ms(endToEnd.Mean), source,
                samples == 0 ? 0 : Math.Round(Math.Min(1, measured / (double)samples), 3)),
            new LatencyFigures(Ms(inApp.ValueAtPercentile(50)), Ms(inApp.ValueAtPercentile(99)), Ms(inApp.Mean)),
            new WaitFigures(Ms(wait.Mean), Ms(wait.ValueAtPercentile(99))), new WaitFigures(Ms(send.Mean), Ms(send.ValueAtPercentile(99))), mode);
    }

    static double Ms(double us) => Math.Round(us / 1000.0, 2);
}

/// <summary>The last N completed seconds: requests, req/s, end to end, in app, and waiting for a thread before the app and to send.</summary>
/// <param name="Seconds">How many seconds it covers.</param>
/// <param name="Requests">Requests completed in them.</param>
/// <param name="Rps">Requests per second.</param>
/// <param name="EndToEnd">Bytes received at the socket → response done.</param>
/// <param name="InApp">Our first middleware → response done.</param>
/// <param name="WaitingForThread">Bytes received → our first middleware.</param>
/// <param name="WaitingToSend">Response handed over → its last byte sent.</param>
/// <param name="Label">The host's request label in the newest of those seconds (not serialized), or null when none had any.</param>
public sealed record LatencySummary(int Seconds, long Requests, double Rps,
    EndToEndFigures EndToEnd, LatencyFigures InApp, WaitFigures WaitingForThread, WaitFigures WaitingToSend, [property: JsonIgnore] int? Label = null)
{
    /// <summary>Time on a thread per endpoint, the busiest first (empty when not measured; see <see cref="LiveDash.AspNetCore.EndpointThreads"/>).</summary>
    public IReadOnlyList<LiveDash.AspNetCore.EndpointThreads> Endpoints { get; init; } = [];

    /// <summary>The thread pool's most threads in those seconds, to set the endpoints' threads held beside.</summary>
    public int PeakThreads { get; init; }

    /// <summary>
    /// The host's own fields (see <see cref="ILiveDashSummaryFields"/>), written at the summary's top level under their keys;
    /// null when the host adds none.
    /// </summary>
    [JsonExtensionData] public Dictionary<string, object>? Extra { get; init; }
}

/// <summary>
/// Bytes received at the socket → response done. "measured" when every request's arrival was seen at
/// the socket; "estimated" otherwise: those requests count from our first middleware, a lower bound.
/// </summary>
/// <param name="P50Ms">Median, ms.</param>
/// <param name="P99Ms">99th percentile, ms.</param>
/// <param name="MeanMs">Mean, ms.</param>
/// <param name="Source">"measured" or "estimated".</param>
/// <param name="MeasuredShare">Share (0..1) of the requests whose arrival was seen at the socket.</param>
public sealed record EndToEndFigures(double P50Ms, double P99Ms, double MeanMs, string Source,
    [property: JsonPropertyName("measuredShare")] double MeasuredShare);

/// <summary>In app: the first middleware → response done.</summary>
/// <param name="P50Ms">Median, ms.</param>
/// <param name="P99Ms">99th percentile, ms.</param>
/// <param name="MeanMs">Mean, ms.</param>
public sealed record LatencyFigures(double P50Ms, double P99Ms, double MeanMs);

/// <summary>
/// A wait for a thread outside the app, over the requests measured at the socket: before it (bytes received → the first
/// middleware; trace span "waiting for a thread") or to send (response handed over → last byte sent; "waiting for a thread to send").
/// </summary>
/// <param name="MeanMs">Mean, ms.</param>
/// <param name="P99Ms">99th percentile, ms.</param>
public sealed record WaitFigures(double MeanMs, double P99Ms);
