using System.Diagnostics;
using System.Text.Json.Serialization;
using LiveDash.Telemetry;

namespace LiveDash.Farm;

/// <summary>
/// What this instance knows of the farm: every instance's recent ticks (its own included), who is gone,
/// and the farm frame the dashboards get four times a second. Ticks arrive on the listener's thread,
/// frames are made on the telemetry ticker's; a short lock, never held across I/O, keeps them apart.
/// </summary>
public sealed class FarmState(TimeProvider time)
{
    /// <summary>An instance that has not published for this long is shown as gone.</summary>
    public static readonly TimeSpan GoneAfter = TimeSpan.FromSeconds(2);
    /// <summary>Gone instances stay listed this long, then are forgotten.</summary>
    public static readonly TimeSpan ForgetAfter = TimeSpan.FromMinutes(2);
    /// <summary>Figures per instance cover this much of its recent ticks, so a late tick does not make a line flicker.</summary>
    static readonly TimeSpan Window = TimeSpan.FromSeconds(1);
    const int TicksKept = 8;
    const int MaxInstances = 64;

    sealed class Member(string name)
    {
        public readonly string Name = name;
        public readonly Queue<(long ReceivedAt, FarmTick Tick)> Ticks = new(TicksKept);
        public string Url = "";
        public long LastSeen;
        public long Requests;
        public int Mode;
        public bool SaidBye;
    }

    readonly Lock _lock = new();
    readonly Dictionary<string, Member> _members = new(StringComparer.Ordinal);
    readonly LatencyHistogram _farm = new();
    readonly LatencyHistogram _one = new();

    public void Add(FarmTick tick)
    {
        var now = time.GetTimestamp();
        lock (_lock)
        {
            if (!_members.TryGetValue(tick.Instance, out var member))
            {
                if (_members.Count >= MaxInstances) Forget(now);
                if (_members.Count >= MaxInstances) return;
                _members[tick.Instance] = member = new Member(tick.Instance);
            }
            if (member.Ticks.Count == TicksKept) member.Ticks.Dequeue();
            member.Ticks.Enqueue((now, tick));
            member.Url = tick.Url;
            member.LastSeen = now;
            member.Requests += tick.Requests;
            member.Mode = tick.Mode;
            member.SaidBye = false;
        }
    }

    /// <summary>An instance said it is stopping: show it as gone now rather than after the time-out.</summary>
    public void Bye(string instance)
    {
        lock (_lock) if (_members.TryGetValue(instance, out var member)) member.SaidBye = true;
    }

    public IReadOnlyList<InstanceInfo> Instances()
    {
        var now = time.GetTimestamp();
        lock (_lock)
        {
            return [.. _members.Values.OrderBy(m => m.Name, StringComparer.Ordinal).Select(m => new InstanceInfo(
                m.Name, m.Url, (long)time.GetElapsedTime(m.LastSeen, now).TotalMilliseconds, m.Requests,
                ((Admin.StoreMode)m.Mode).ToString(), IsGone(m, now)))];
        }
    }

    /// <summary>The farm now: per-instance figures over its last second of ticks, and totals from the merged histograms.</summary>
    public FarmFrame Compose(long unixMs)
    {
        var now = time.GetTimestamp();
        lock (_lock)
        {
            Forget(now);
            _farm.Reset();
            var lines = new List<FarmInstanceLine>(_members.Count);
            long ok = 0, errors = 0, inFlight = 0;
            double rps = 0;
            foreach (var m in _members.Values.OrderBy(m => m.Name, StringComparer.Ordinal))
            {
                var gone = IsGone(m, now);
                _one.Reset();
                long requests = 0, mErrors = 0;
                double seconds = 0;
                FarmTick? latest = null;
                foreach (var (receivedAt, tick) in m.Ticks)
                {
                    latest = tick;
                    if (gone || time.GetElapsedTime(receivedAt, now) > Window) continue;
                    tick.AddTo(_one);
                    requests += tick.Requests;
                    mErrors += tick.Errors;
                    seconds += tick.IntervalMs / 1000;
                }
                var mRps = seconds > 0 ? requests / seconds : 0;
                if (!gone)
                {
                    _farm.Add(_one);
                    rps += mRps;
                    ok += requests - mErrors;
                    errors += mErrors;
                    inFlight += latest?.InFlight ?? 0;
                }
                lines.Add(new FarmInstanceLine(m.Name, m.Url, m.Mode, gone, (long)time.GetElapsedTime(m.LastSeen, now).TotalMilliseconds,
                    Math.Round(mRps, 1), Percentiles(_one), latest?.InApp ?? [], latest?.WaitForThreadMs ?? 0,
                    latest?.Threads ?? 0, latest?.Queued ?? 0, latest?.MinThreads ?? 0, latest?.DbPool, latest?.CpuPercent ?? 0,
                    gone ? 0 : latest?.InFlight ?? 0, m.Requests, latest?.Coarsened ?? 0));
            }
            var live = lines.Count(l => !l.Gone);
            return new FarmFrame(unixMs, live, lines.Count - live, Math.Round(rps, 1), ok, errors, inFlight, Percentiles(_farm), [.. lines]);
        }
    }

    bool IsGone(Member m, long now) => m.SaidBye || time.GetElapsedTime(m.LastSeen, now) > GoneAfter;

    void Forget(long now)
    {
        foreach (var m in _members.Values.Where(m => time.GetElapsedTime(m.LastSeen, now) > ForgetAfter).ToList())
            _members.Remove(m.Name);
    }

    static double[] Percentiles(LatencyHistogram h) => h.Count == 0 ? [] :
        [Ms(h.ValueAtPercentile(50)), Ms(h.ValueAtPercentile(95)), Ms(h.ValueAtPercentile(99)), Ms(h.Max)];

    static double Ms(long us) => Math.Round(us / 1000.0, 2);
}

/// <summary>GET /admin/api/instances: lastSeenMs is how long ago the instance last published; requests are counted since this instance first saw it.</summary>
public sealed record InstanceInfo(string Name, string Url, long LastSeenMs, long Requests, string Mode, bool Gone);

/// <summary>The farm as one dashboard shows it: totals over the instances still publishing, then one line per instance.</summary>
public sealed record FarmFrame(
    [property: JsonPropertyName("t")] long UnixMs,
    [property: JsonPropertyName("live")] int Live,
    [property: JsonPropertyName("gone")] int Gone,
    [property: JsonPropertyName("rps")] double Rps,
    [property: JsonPropertyName("ok")] long Ok,
    [property: JsonPropertyName("er")] long Errors,
    [property: JsonPropertyName("if")] long InFlight,
    /// <summary>End-to-end p50, p95, p99, max (ms) from the merged histograms of the last second.</summary>
    [property: JsonPropertyName("p")] double[] Percentiles,
    [property: JsonPropertyName("i")] FarmInstanceLine[] Instances);

public sealed record FarmInstanceLine(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("url")] string Url,
    [property: JsonPropertyName("m")] int Mode,
    [property: JsonPropertyName("gone")] bool Gone,
    [property: JsonPropertyName("age")] long LastSeenMs,
    [property: JsonPropertyName("rps")] double Rps,
    [property: JsonPropertyName("p")] double[] Percentiles,
    [property: JsonPropertyName("pa")] double[] InApp,
    [property: JsonPropertyName("wt")] double WaitForThreadMs,
    [property: JsonPropertyName("th")] int Threads,
    [property: JsonPropertyName("q")] long Queued,
    [property: JsonPropertyName("mn")] int MinThreads,
    [property: JsonPropertyName("db")] long[]? DbPool,
    [property: JsonPropertyName("cpu")] double CpuPercent,
    [property: JsonPropertyName("if")] long InFlight,
    [property: JsonPropertyName("n")] long Requests,
    [property: JsonPropertyName("hk")] int Coarsened);
