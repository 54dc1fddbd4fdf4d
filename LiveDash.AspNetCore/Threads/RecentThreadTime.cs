namespace LiveDash.AspNetCore;

/// <summary>
/// The last minute of time on threads per endpoint, one slot per second (the ticks' sums, and the thread pool's peak
/// thread count), for the summary's <c>endpoints</c>. Fed by the aggregator once per tick; read under a short lock.
/// </summary>
internal sealed class RecentThreadTime
{
    public const int MaxSeconds = 60;

    sealed class Sums
    {
        public long Requests;
        public double OnThread, OnCpu, RunQueue, Blocked, Awaiting;
        public readonly Dictionary<string, double> BlockedBy = [];

        public void Add(long requests, double onThread, double onCpu, double runQueue, double blocked, double awaiting, IEnumerable<KeyValuePair<string, double>>? by)
        {
            Requests += requests; OnThread += onThread; OnCpu += onCpu; RunQueue += runQueue; Blocked += blocked; Awaiting += awaiting;
            if (by is null) return;
            foreach (var (kind, ms) in by) BlockedBy[kind] = BlockedBy.GetValueOrDefault(kind) + ms;
        }

        public void Add(Sums s) => Add(s.Requests, s.OnThread, s.OnCpu, s.RunQueue, s.Blocked, s.Awaiting, s.BlockedBy);
    }

    sealed record Slot(long Second, Dictionary<string, Sums> Endpoints, int PeakThreads);

    readonly Slot?[] _slots = new Slot?[MaxSeconds];
    readonly Lock _lock = new();
    Dictionary<string, Sums> _current = [];
    long _second = -1;
    int _peak;

    public void Add(long unixMs, EndpointTick[]? endpoints, int threads)
    {
        var second = unixMs / 1000;
        lock (_lock)
        {
            if (second != _second)
            {
                if (_second >= 0) _slots[_second % MaxSeconds] = new Slot(_second, _current, _peak);
                _current = [];
                _peak = 0;
                _second = second;
            }
            _peak = Math.Max(_peak, threads);
            foreach (var e in endpoints ?? [])
            {
                if (!_current.TryGetValue(e.Route, out var sums)) _current[e.Route] = sums = new Sums();
                sums.Add(e.Requests, e.OnThreadMs, e.OnCpuMs, e.RunQueueMs, e.BlockedMs, e.AwaitingMs, e.BlockedBy);
            }
        }
    }

    /// <summary>The completed seconds among the last <paramref name="seconds"/>: the busiest <paramref name="routes"/> endpoints by threads held, then "other"; and the pool's peak thread count.</summary>
    public (EndpointThreads[] Endpoints, int PeakThreads) Summarize(long nowUnixMs, int seconds, int routes)
    {
        seconds = Math.Clamp(seconds, 1, MaxSeconds);
        var newest = nowUnixMs / 1000 - 1;
        var oldest = newest - seconds + 1;
        var merged = new Dictionary<string, Sums>();
        var peak = 0;
        lock (_lock)
        {
            foreach (var slot in _slots)
            {
                if (slot is null || slot.Second < oldest || slot.Second > newest) continue;
                peak = Math.Max(peak, slot.PeakThreads);
                foreach (var (route, sums) in slot.Endpoints)
                {
                    if (!merged.TryGetValue(route, out var into)) merged[route] = into = new Sums();
                    into.Add(sums);
                }
            }
        }
        var ordered = merged.OrderByDescending(p => p.Value.OnThread).ThenByDescending(p => p.Value.Requests).ToList();
        var shown = new List<(string Route, Sums Sums)>();
        Sums? rest = null;
        foreach (var (route, sums) in ordered)
        {
            if (shown.Count < routes && route != EndpointThreadTime.Other) { shown.Add((route, sums)); continue; }
            (rest ??= new Sums()).Add(sums);
        }
        if (rest is not null) shown.Add((EndpointThreadTime.Other, rest));
        var total = shown.Sum(s => s.Sums.OnThread);
        return ([.. shown.Select(s => Figures(s.Route, s.Sums, seconds, total))], peak);
    }

    static EndpointThreads Figures(string route, Sums s, int seconds, double totalOnThread)
    {
        var n = Math.Max(1, s.Requests);
        var blockedBy = s.BlockedBy.Where(p => p.Value > 0).OrderByDescending(p => p.Value)
            .ToDictionary(p => p.Key, p => Math.Round(s.Blocked > 0 ? p.Value / s.Blocked : 0, 3));
        return new EndpointThreads(route, s.Requests, Math.Round(s.Requests / (double)seconds, 1),
            Math.Round(s.OnThread / n, 2), Math.Round(s.OnCpu / n, 2), Math.Round(s.RunQueue / n, 2), Math.Round(s.Blocked / n, 2),
            Math.Round(s.Awaiting / n, 2), Math.Round(s.OnThread / 1000 / seconds, 2),
            Math.Round(totalOnThread > 0 ? s.OnThread / totalOnThread : 0, 3), blockedBy);
    }
}
