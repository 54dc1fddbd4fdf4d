using System.Collections.Concurrent;
using System.Diagnostics;
using LiveDash.AspNetCore;

namespace LiveDash.LoadTests.Running;

/// <summary>
/// What a run measured, recorded from many threads without locks: totals, and per second of the run
/// (by completion time) requests, errors and both latency histograms in microseconds.
/// A second's full histograms (two of 35 KB each) are kept only while it can still change: 3 s after it ended it
/// is sealed to its figures (and, for an agent, its non-empty buckets until they are sent), so a run's memory
/// does not grow by 70 KB a second (250 MB an hour) however long it goes.
/// </summary>
public sealed class RunStats(int seconds)
{
    /// <summary>Seconds this far behind the newest completion are sealed.</summary>
    const int SealAfter = 3;
    readonly SecondStats?[] _seconds = new SecondStats?[Math.Max(1, seconds)];
    readonly Lock _sealing = new();
    int _sealedThrough = -1;
    readonly ConcurrentDictionary<string, long> _errors = new(StringComparer.Ordinal);
    long _requests;
    long _errorCount;
    long _dropped;
    long _inFlight;
    long _startTimestamp;

    /// <summary>From the intended start (open model) to the end of the response: what a user would have seen.</summary>
    public LatencyHistogram Corrected { get; } = new();

    /// <summary>From the actual send to the end of the response.</summary>
    public LatencyHistogram Raw { get; } = new();

    public long Requests => Volatile.Read(ref _requests);
    public long Errors => Volatile.Read(ref _errorCount);
    public long Dropped => Volatile.Read(ref _dropped);
    public long InFlight => Volatile.Read(ref _inFlight);
    public ConcurrentDictionary<string, long> ErrorsByKind => _errors;
    public int SecondCount => _seconds.Length;

    /// <summary>Sealed seconds keep their non-empty buckets until <see cref="SecondStats.ReleaseBuckets"/> (an agent sends them first).</summary>
    public bool KeepSealedBuckets { get; init; }

    public void Start(long timestamp) => _startTimestamp = timestamp;

    public int SecondOf(long timestamp) =>
        Math.Clamp((int)(Stopwatch.GetElapsedTime(_startTimestamp, timestamp).Ticks / TimeSpan.TicksPerSecond), 0, _seconds.Length - 1);

    public void RequestStarted() => Interlocked.Increment(ref _inFlight);

    public void RequestEnded(long completedAt, long correctedMicros, long rawMicros, string? errorKind)
    {
        Interlocked.Decrement(ref _inFlight);
        Interlocked.Increment(ref _requests);
        Corrected.Record(correctedMicros);
        Raw.Record(rawMicros);
        var index = SecondOf(completedAt);
        var second = Second(index);
        Interlocked.Increment(ref second.Requests);
        second.Record(correctedMicros, rawMicros);
        if (index - SealAfter > Volatile.Read(ref _sealedThrough)) SealThrough(index - SealAfter);
        if (errorKind is null) return;
        Interlocked.Increment(ref _errorCount);
        Interlocked.Increment(ref second.Errors);
        _errors.AddOrUpdate(errorKind, 1, static (_, n) => n + 1);
        second.ErrorsByKind.AddOrUpdate(errorKind, 1, static (_, n) => n + 1);
    }

    public void IterationDropped(long at)
    {
        Interlocked.Increment(ref _dropped);
        Interlocked.Increment(ref Second(SecondOf(at)).Dropped);
    }

    /// <summary>Once a second, by whichever request notices first; the others never wait for it.</summary>
    void SealThrough(int last)
    {
        if (!_sealing.TryEnter()) return;
        try
        {
            for (var s = Volatile.Read(ref _sealedThrough) + 1; s <= last; s++) At(s)?.Seal(KeepSealedBuckets);
            Volatile.Write(ref _sealedThrough, Math.Max(last, _sealedThrough));
        }
        finally
        {
            _sealing.Exit();
        }
    }

    public SecondStats? At(int second) => second >= 0 && second < _seconds.Length ? Volatile.Read(ref _seconds[second]) : null;

    SecondStats Second(int index)
    {
        var existing = Volatile.Read(ref _seconds[index]);
        if (existing is not null) return existing;
        var created = new SecondStats();
        return Interlocked.CompareExchange(ref _seconds[index], created, null) ?? created;
    }
}

/// <summary>One second's figures in microseconds: corrected p50, p90, p99, max; raw (from the actual send) p50, p99.</summary>
public readonly record struct SecondFigures(long P50, long P90, long P99, long Max, long RawP50, long RawP99);

public sealed class SecondStats
{
    public long Requests;
    public long Errors;
    public long Dropped;
    LatencyHistogram? _corrected = new(), _raw = new();
    SecondFigures? _sealed;
    LatencyHistogram.Snapshot? _correctedBuckets, _rawBuckets;
    volatile bool _released;

    public ConcurrentDictionary<string, long> ErrorsByKind { get; } = new(StringComparer.Ordinal);

    /// <summary>A completion recorded after its second was sealed (3 s late) counts in the run's totals, not in the second's percentiles.</summary>
    internal void Record(long correctedMicros, long rawMicros)
    {
        Volatile.Read(ref _corrected)?.Record(correctedMicros);
        Volatile.Read(ref _raw)?.Record(rawMicros);
    }

    public SecondFigures Figures()
    {
        if (Volatile.Read(ref _corrected) is { } c && Volatile.Read(ref _raw) is { } r) return Of(c, r);
        return _sealed ?? default;
    }

    static SecondFigures Of(LatencyHistogram c, LatencyHistogram r) =>
        new(c.ValueAtPercentile(50), c.ValueAtPercentile(90), c.ValueAtPercentile(99), c.Max, r.ValueAtPercentile(50), r.ValueAtPercentile(99));

    /// <summary>The second's non-empty buckets (corrected, raw), or null once they were released.</summary>
    public (LatencyHistogram.Snapshot Corrected, LatencyHistogram.Snapshot Raw)? Buckets()
    {
        if (Volatile.Read(ref _corrected) is { } c && Volatile.Read(ref _raw) is { } r) return (c.TakeSnapshot(), r.TakeSnapshot());
        return Volatile.Read(ref _correctedBuckets) is { } cb && Volatile.Read(ref _rawBuckets) is { } rb ? (cb, rb) : null;
    }

    /// <summary>The second can no longer change: keep its figures (and its buckets if asked), drop the full histograms.</summary>
    internal void Seal(bool keepBuckets)
    {
        if (Volatile.Read(ref _corrected) is not { } c || Volatile.Read(ref _raw) is not { } r) return;
        _sealed = Of(c, r);
        if (keepBuckets && !_released)
        {
            Volatile.Write(ref _correctedBuckets, c.TakeSnapshot());
            Volatile.Write(ref _rawBuckets, r.TakeSnapshot());
        }
        Volatile.Write(ref _corrected, null);
        Volatile.Write(ref _raw, null);
    }

    /// <summary>The buckets were sent: only the figures stay.</summary>
    public void ReleaseBuckets()
    {
        _released = true;
        Volatile.Write(ref _correctedBuckets, null);
        Volatile.Write(ref _rawBuckets, null);
    }
}
