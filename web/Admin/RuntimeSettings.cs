namespace LiveDash.Admin;

public enum StoreMode { Sync, Async, SyncOverAsync }

/// <param name="Workers">0 = the .NET thread pool serves the store; 1..64 = that many dedicated worker threads.</param>
/// <param name="MaxInFlight">Store requests worked on at once; more wait in a queue of <paramref name="MaxQueued"/>, and beyond it get 503.</param>
public record SettingsSnapshot(StoreMode Mode, int DbLatencyMs, int MinThreads, int Workers = 0,
    int MaxInFlight = RuntimeSettings.DefaultMaxInFlight, int MaxQueued = RuntimeSettings.DefaultMaxQueued);

public record SettingsChange(DateTimeOffset At, string Channel, string Field, string OldValue, string NewValue);

/// <summary>Values a settings change asks for; null = leave as is.</summary>
public record SettingsUpdate(StoreMode? Mode = null, int? DbLatencyMs = null, int? MinThreads = null, int? Workers = null,
    int? MaxInFlight = null, int? MaxQueued = null);

/// <summary>
/// The settings that change while the app runs. Read on every request (a volatile reference read,
/// no lock); written only through <see cref="Apply"/>, which validates, applies, and logs.
/// </summary>
public sealed class RuntimeSettings
{
    public const int MaxDbLatencyMs = 5000;
    public const int MaxMinThreads = 1000;
    public const int MaxWorkers = 64;
    /// <summary>Above any crowd the lesson, the tests or the benchmarks send (200 closed-loop clients at most), so Sync still starves.</summary>
    public const int DefaultMaxInFlight = 200;
    public const int DefaultMaxQueued = 100;
    public const int MaxAdmission = 10_000;
    const int ChangeLogCapacity = 500;

    readonly object _writeLock = new();
    readonly LinkedList<SettingsChange> _changes = new();
    readonly int _defaultMinWorkers;
    readonly int _defaultMinIo;
    volatile SettingsSnapshot _current;

    public RuntimeSettings(SettingsSnapshot initial)
    {
        ThreadPool.GetMinThreads(out _defaultMinWorkers, out _defaultMinIo);
        var error = Validate(new SettingsUpdate(initial.Mode, initial.DbLatencyMs, initial.MinThreads, initial.Workers, initial.MaxInFlight, initial.MaxQueued));
        if (error is not null) throw new ArgumentException(error.Message, error.Field);
        _current = initial with { MinThreads = 0 };
        if (initial.MinThreads != 0) Apply(new SettingsUpdate(MinThreads: initial.MinThreads), "startup");
    }

    public SettingsSnapshot Current => _current;

    /// <summary>Raised after every applied change (outside the write lock).</summary>
    public event Action<SettingsChange>? Changed;

    /// <summary>Raised when an admin asks to reset the measurements.</summary>
    public event Action<string>? ResetRequested;

    public IReadOnlyList<SettingsChange> Changes
    {
        get { lock (_writeLock) return [.. _changes]; }
    }

    public static SettingsError? Validate(SettingsUpdate update)
    {
        if (update.Mode is { } mode && !Enum.IsDefined(mode))
            return new SettingsError("mode", $"mode must be one of {string.Join(", ", Enum.GetNames<StoreMode>())}");
        if (update.DbLatencyMs is < 0 or > MaxDbLatencyMs)
            return new SettingsError("dbLatencyMs", $"dbLatencyMs must be between 0 and {MaxDbLatencyMs} (milliseconds per database round trip), got {update.DbLatencyMs}");
        if (update.MinThreads is < 0 or > MaxMinThreads)
            return new SettingsError("minThreads", $"minThreads must be between 0 (runtime default) and {MaxMinThreads}, got {update.MinThreads}");
        if (update.Workers is < 0 or > MaxWorkers)
            return new SettingsError("workers", $"workers must be between 0 (the .NET thread pool) and {MaxWorkers} (dedicated worker threads), got {update.Workers}");
        if (update.MaxInFlight is < 1 or > MaxAdmission)
            return new SettingsError("maxInFlight", $"maxInFlight must be between 1 and {MaxAdmission} (store requests worked on at once), got {update.MaxInFlight}");
        if (update.MaxQueued is < 0 or > MaxAdmission)
            return new SettingsError("maxQueued", $"maxQueued must be between 0 and {MaxAdmission} (store requests waiting for a place; beyond them, 503), got {update.MaxQueued}");
        return null;
    }

    /// <summary>Validates and applies; returns the error instead of throwing so callers can answer 400.</summary>
    public SettingsError? Apply(SettingsUpdate update, string channel)
    {
        if (Validate(update) is { } error) return error;
        var applied = new List<SettingsChange>(3);
        lock (_writeLock)
        {
            var old = _current;
            var next = old;
            var now = DateTimeOffset.UtcNow;
            if (update.Mode is { } mode && mode != old.Mode)
            {
                next = next with { Mode = mode };
                applied.Add(new(now, channel, "mode", old.Mode.ToString(), mode.ToString()));
            }
            if (update.DbLatencyMs is { } latency && latency != old.DbLatencyMs)
            {
                next = next with { DbLatencyMs = latency };
                applied.Add(new(now, channel, "dbLatencyMs", old.DbLatencyMs.ToString(), latency.ToString()));
            }
            if (update.MinThreads is { } minThreads && minThreads != old.MinThreads)
            {
                var workers = minThreads == 0 ? _defaultMinWorkers : minThreads;
                var io = minThreads == 0 ? _defaultMinIo : Math.Max(minThreads, _defaultMinIo);
                if (!ThreadPool.SetMinThreads(workers, io))
                    return new SettingsError("minThreads", $"the runtime refused minThreads {minThreads} (above its maximum thread count?)");
                next = next with { MinThreads = minThreads };
                applied.Add(new(now, channel, "minThreads", Describe(old.MinThreads), Describe(minThreads)));
            }
            if (update.Workers is { } workerCount && workerCount != old.Workers)
            {
                next = next with { Workers = workerCount };
                applied.Add(new(now, channel, "workers", DescribeWorkers(old.Workers), DescribeWorkers(workerCount)));
            }
            if (update.MaxInFlight is { } maxInFlight && maxInFlight != old.MaxInFlight)
            {
                next = next with { MaxInFlight = maxInFlight };
                applied.Add(new(now, channel, "maxInFlight", old.MaxInFlight.ToString(), maxInFlight.ToString()));
            }
            if (update.MaxQueued is { } maxQueued && maxQueued != old.MaxQueued)
            {
                next = next with { MaxQueued = maxQueued };
                applied.Add(new(now, channel, "maxQueued", old.MaxQueued.ToString(), maxQueued.ToString()));
            }
            _current = next;
            foreach (var change in applied) Remember(change);
        }
        foreach (var change in applied) Changed?.Invoke(change);
        return null;
    }

    public void RequestReset(string channel)
    {
        var change = new SettingsChange(DateTimeOffset.UtcNow, channel, "reset", "", "measurements reset");
        lock (_writeLock) Remember(change);
        ResetRequested?.Invoke(channel);
        Changed?.Invoke(change);
    }

    /// <summary>Adds older history (newest first) behind what is logged already, e.g. the farm's stored change log at start.</summary>
    public void RestoreHistory(IEnumerable<SettingsChange> olderNewestFirst)
    {
        lock (_writeLock)
            foreach (var change in olderNewestFirst)
            {
                if (_changes.Count >= ChangeLogCapacity) break;
                _changes.AddLast(change);
            }
    }

    void Remember(SettingsChange change)
    {
        _changes.AddFirst(change);
        if (_changes.Count > ChangeLogCapacity) _changes.RemoveLast();
    }

    static string DescribeWorkers(int workers) => workers == 0 ? "0 (thread pool)" : workers.ToString();

    string Describe(int minThreads) => minThreads == 0 ? $"default ({_defaultMinWorkers})" : minThreads.ToString();
}

public record SettingsError(string Field, string Message);
