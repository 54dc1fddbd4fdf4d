using System.Collections.Concurrent;
using System.Diagnostics;
using LiveDash.Telemetry;

namespace LiveDash.LoadTests.Running;

/// <summary>
/// What a run measured, recorded from many threads without locks: totals, and per second of the run
/// (by completion time) requests, errors and both latency histograms in microseconds.
/// </summary>
public sealed class RunStats(int seconds)
{
    readonly SecondStats?[] _seconds = new SecondStats?[Math.Max(1, seconds)];
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
        var second = Second(SecondOf(completedAt));
        Interlocked.Increment(ref second.Requests);
        second.Corrected.Record(correctedMicros);
        second.Raw.Record(rawMicros);
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

    public SecondStats? At(int second) => second >= 0 && second < _seconds.Length ? Volatile.Read(ref _seconds[second]) : null;

    SecondStats Second(int index)
    {
        var existing = Volatile.Read(ref _seconds[index]);
        if (existing is not null) return existing;
        var created = new SecondStats();
        return Interlocked.CompareExchange(ref _seconds[index], created, null) ?? created;
    }
}

public sealed class SecondStats
{
    public long Requests;
    public long Errors;
    public long Dropped;
    public LatencyHistogram Corrected { get; } = new();
    public LatencyHistogram Raw { get; } = new();
    public ConcurrentDictionary<string, long> ErrorsByKind { get; } = new(StringComparer.Ordinal);
}
