using LiveDash.LoadTests.Running;

namespace LiveDash.LoadTests.Agent;

/// <summary>One second of a merged run for the live view: the sum of the agents' requests, percentiles from their merged histograms.</summary>
public sealed record MergedSecondFigures(int Second, long Requests, long Errors, double P50, double P99, IReadOnlyList<AgentSecondFigures> Agents);

public sealed record AgentSecondFigures(string Name, long Requests, long Errors, double P50, double P99);

/// <summary>A merged run's figures so far: totals, the rate (summed), percentiles of the union of the agents' histograms.</summary>
public sealed record MergedTotals(long Requests, long Errors, double RequestsPerSecond, double P50, double P99, IReadOnlyList<AgentTotals> Agents);

public sealed record AgentTotals(string Name, long Requests, long Errors, double RequestsPerSecond, bool Ended);

/// <summary>
/// Merges what several agents measured in one run. Agents send bucket counts per second and, at the
/// end, their whole-run histograms; rates are summed and every percentile is read from the merged
/// histogram, never averaged. Safe to call from the agents' connections and the API at once.
/// </summary>
public sealed class RunMerge(string scenario, string target, bool openModel, DateTimeOffset startedAt)
{
    readonly Lock _gate = new();
    readonly Dictionary<string, AgentPart> _agents = new(StringComparer.Ordinal);
    readonly SortedDictionary<int, MergedSecond> _seconds = [];
    readonly LatencyHistogram _scratch = new();   // under _gate
    int _version;

    /// <summary>Goes up with every second or end taken: an ended run's cached totals are stale when it moved.</summary>
    public int Version => Volatile.Read(ref _version);

    sealed class AgentPart
    {
        public long Requests, Errors, Dropped;
        public int LastSecond = -1;
        public long LastSecondRequests;
        public LatencyHistogram Corrected = new(), Raw = new();
        public Dictionary<string, long> ErrorsByKind = new(StringComparer.Ordinal);
        public RunEnded? Ended;
    }

    /// <summary>
    /// One second. While an agent may still add to it, its agents' histograms are folded into one compact snapshot each
    /// (non-empty buckets only, 12 bytes a bucket); once every agent still running has reported a later second, nothing
    /// can change it, and it keeps only its summary (<see cref="Final"/>). Every instance of a farm keeps every second of
    /// a run, and up to 20 ended runs: as the agents' wire form (an array per bucket, per agent) an hour at 100/s cost
    /// 23 MB, as summaries 1.5 MB (<c>RunMergeTests</c>).
    /// </summary>
    sealed class MergedSecond
    {
        public long Requests, Errors, Dropped;
        public LatencyHistogram.Snapshot? Corrected, Raw;
        public Dictionary<string, long>? ErrorsByKind;
        public readonly List<AgentSecondFigures> Agents = new(1);
        public SecondSummary? Final;
    }

    /// <summary>The seconds up to this one are final (kept as summaries).</summary>
    int _finalThrough = -1;

    public void AddAgent(string name)
    {
        lock (_gate) _agents.TryAdd(name, new AgentPart());
    }

    public void Add(string agent, RunSecond s)
    {
        if (s.Second < 0 || s.Second > LoadAgent.MaxDurationSeconds + 120) return;
        lock (_gate)
        {
            if (!_agents.TryGetValue(agent, out var part) || part.Ended is not null || s.Second <= part.LastSecond) return;
            _version++;
            part.LastSecond = s.Second;
            part.LastSecondRequests = s.Requests;
            part.Requests += s.Requests;
            part.Errors += s.Errors;
            part.Dropped += s.Dropped;
            s.Corrected.AddTo(part.Corrected);
            s.Raw.AddTo(part.Raw);
            if (!_seconds.TryGetValue(s.Second, out var merged)) _seconds[s.Second] = merged = new MergedSecond();
            merged.Requests += s.Requests;
            merged.Errors += s.Errors;
            merged.Dropped += s.Dropped;
            merged.Corrected = Fold(merged.Corrected, s.Corrected);
            merged.Raw = Fold(merged.Raw, s.Raw);
            foreach (var (kind, n) in s.ErrorsByKind ?? new Dictionary<string, long>())
            {
                merged.ErrorsByKind ??= new Dictionary<string, long>(StringComparer.Ordinal);
                merged.ErrorsByKind[kind] = merged.ErrorsByKind.GetValueOrDefault(kind) + n;
                part.ErrorsByKind[kind] = part.ErrorsByKind.GetValueOrDefault(kind) + n;
            }
            _scratch.Reset();
            s.Corrected.AddTo(_scratch);
            merged.Agents.Add(new AgentSecondFigures(agent, s.Requests, s.Errors, RunLatency.Ms(_scratch.ValueAtPercentile(50)), RunLatency.Ms(_scratch.ValueAtPercentile(99))));
            FinalizeSeconds();
        }
    }

    /// <summary>Keeps as summaries the seconds no agent can add to any more: an agent adds only seconds after its last, and
    /// one that ended adds none (under the lock).</summary>
    void FinalizeSeconds()
    {
        var through = int.MaxValue;
        foreach (var part in _agents.Values)
            if (part.Ended is null) through = Math.Min(through, part.LastSecond);
        if (through == int.MaxValue) through = _seconds.Count == 0 ? -1 : _seconds.Keys.Max();
        for (var i = _finalThrough + 1; i <= through; i++)
            if (_seconds.TryGetValue(i, out var s))
            {
                s.Final = Summary(i, s);
                (s.Corrected, s.Raw) = (null, null);
            }
        _finalThrough = Math.Max(_finalThrough, through);
    }

    SecondSummary Summary(int second, MergedSecond s)
    {
        if (s.Final is { } final) return final;
        var c = Merged(s.Corrected);
        var (p50, p90, p99, max) = (c.ValueAtPercentile(50), c.ValueAtPercentile(90), c.ValueAtPercentile(99), c.Max);
        var r = Merged(s.Raw);
        return new SecondSummary(second, s.Requests, s.Errors, s.Dropped,
            RunLatency.Ms(p50), RunLatency.Ms(p90), RunLatency.Ms(p99), RunLatency.Ms(max),
            RunLatency.Ms(r.ValueAtPercentile(50)), RunLatency.Ms(r.ValueAtPercentile(99)),
            s.ErrorsByKind is null ? NoErrors : new SortedDictionary<string, long>(s.ErrorsByKind));
    }

    static readonly IReadOnlyDictionary<string, long> NoErrors = new Dictionary<string, long>();

    /// <summary>The agent's run ended: its whole-run histograms replace the sum of its seconds, so the totals are exactly what it measured.</summary>
    public void End(string agent, RunEnded ended)
    {
        lock (_gate)
        {
            if (!_agents.TryGetValue(agent, out var part) || part.Ended is not null) return;
            part.Ended = ended;
            _version++;
            if (ended.Corrected is null || ended.Raw is null)
            {
                FinalizeSeconds();
                return;
            }
            part.Requests = ended.Requests;
            part.Errors = ended.Errors;
            part.Dropped = ended.Dropped;
            part.Corrected = ended.Corrected.ToHistogram();
            part.Raw = ended.Raw.ToHistogram();
            if (ended.ErrorsByKind is not null) part.ErrorsByKind = new Dictionary<string, long>(ended.ErrorsByKind, StringComparer.Ordinal);
            FinalizeSeconds();
        }
    }

    /// <summary>The agent's end of the run, or null while it has not reported one.</summary>
    public RunEnded? EndOf(string agent)
    {
        lock (_gate) return _agents.TryGetValue(agent, out var part) ? part.Ended : null;
    }

    public bool HasEnded(string agent)
    {
        lock (_gate) return _agents.TryGetValue(agent, out var part) && part.Ended is not null;
    }

    /// <summary>The last second every one of <paramref name="waitingFor"/> has reported (agents that ended count as done).</summary>
    public int CompleteThrough(IEnumerable<string> waitingFor)
    {
        lock (_gate)
        {
            var through = int.MaxValue;
            foreach (var name in waitingFor)
                if (_agents.TryGetValue(name, out var part) && part.Ended is null) through = Math.Min(through, part.LastSecond);
            return through == int.MaxValue ? (_seconds.Count == 0 ? -1 : _seconds.Keys.Max()) : through;
        }
    }

    public MergedSecondFigures? Second(int second)
    {
        lock (_gate)
        {
            if (!_seconds.TryGetValue(second, out var s)) return null;
            var summary = Summary(second, s);
            return new MergedSecondFigures(second, s.Requests, s.Errors, summary.P50, summary.P99, s.Agents.ToList());
        }
    }

    public MergedTotals Totals()
    {
        lock (_gate)
        {
            var union = Union(p => p.Corrected);
            var ended = _agents.Count > 0 && _agents.Values.All(p => p.Ended is not null);
            var agents = _agents.Select(a => new AgentTotals(a.Key, a.Value.Requests, a.Value.Errors,
                a.Value.Ended is { Seconds: > 0 } e ? Math.Round(a.Value.Requests / e.Seconds, 1) : a.Value.LastSecondRequests, a.Value.Ended is not null)).ToList();
            // While running, the rate is the last second every agent has reported; at the end, all requests over the run's length.
            double rps;
            if (ended) rps = Seconds() is > 0 and var seconds ? Math.Round(agents.Sum(a => a.Requests) / seconds, 1) : 0;
            else
            {
                var through = _agents.Values.Where(p => p.Ended is null).Select(p => p.LastSecond).DefaultIfEmpty(-1).Min();
                rps = _seconds.TryGetValue(through, out var last) ? last.Requests : 0;
            }
            return new MergedTotals(agents.Sum(a => a.Requests), agents.Sum(a => a.Errors), rps,
                RunLatency.Ms(union.ValueAtPercentile(50)), RunLatency.Ms(union.ValueAtPercentile(99)), agents);
        }
    }

    /// <summary>The merged run as one result, for the report (html, md, csv) with each agent's share.</summary>
    public RunResult Result(string? serverMode, string stopReason)
    {
        lock (_gate)
        {
            var corrected = Union(p => p.Corrected);
            var raw = Union(p => p.Raw);
            var seconds = Seconds();
            var last = _seconds.Count == 0 ? -1 : _seconds.Keys.Max();
            var perSecond = new List<SecondSummary>();
            for (var i = 0; i <= last; i++)
            {
                if (!_seconds.TryGetValue(i, out var s))
                {
                    perSecond.Add(new SecondSummary(i, 0, 0, 0, 0, 0, 0, 0, 0, 0, new Dictionary<string, long>()));
                    continue;
                }
                perSecond.Add(Summary(i, s));
            }
            var errorsByKind = new SortedDictionary<string, long>(StringComparer.Ordinal);
            foreach (var part in _agents.Values)
                foreach (var (kind, n) in part.ErrorsByKind) errorsByKind[kind] = errorsByKind.GetValueOrDefault(kind) + n;
            var agents = _agents.Select(a =>
            {
                var p = a.Value;
                var agentSeconds = p.Ended?.Seconds ?? p.LastSecond + 1;
                return new AgentShare(a.Key, p.Requests, p.Errors, Math.Round(agentSeconds, 3), agentSeconds > 0 ? Math.Round(p.Requests / agentSeconds, 1) : 0,
                    RunLatency.Ms(p.Corrected.ValueAtPercentile(50)), RunLatency.Ms(p.Corrected.ValueAtPercentile(99)),
                    p.Ended is { } e ? (e.Error ?? e.StopReason) : "lost (no end reported)");
            }).ToList();
            return new RunResult(scenario, target, serverMode, startedAt, Math.Round(seconds, 3),
                agents.Sum(a => a.Requests), agents.Sum(a => a.Errors), _agents.Values.Sum(p => p.Dropped),
                RunLatency.Of(corrected), RunLatency.Of(raw), errorsByKind, perSecond, RunResult.Bars(corrected), stopReason, openModel)
            {
                Agents = agents,
            };
        }
    }

    /// <summary>The run's length: the longest any agent ran (agents start within milliseconds of each other).</summary>
    double Seconds() => _agents.Values.Select(p => p.Ended?.Seconds ?? p.LastSecond + 1.0).DefaultIfEmpty(0).Max();

    /// <summary>A second's snapshot in the one scratch histogram (valid until the next call; under the lock).</summary>
    LatencyHistogram Merged(LatencyHistogram.Snapshot? snapshot)
    {
        _scratch.Reset();
        if (snapshot is not null) _scratch.Add(snapshot);
        return _scratch;
    }

    /// <summary>What a second kept so far, with one more agent's histogram for it folded in (under the lock).</summary>
    LatencyHistogram.Snapshot Fold(LatencyHistogram.Snapshot? kept, WireHistogram added)
    {
        _scratch.Reset();
        if (kept is not null) _scratch.Add(kept);
        added.AddTo(_scratch);
        return _scratch.TakeSnapshot();
    }

    LatencyHistogram Union(Func<AgentPart, LatencyHistogram> of)
    {
        var union = new LatencyHistogram();
        foreach (var part in _agents.Values) union.Add(of(part));
        return union;
    }
}
