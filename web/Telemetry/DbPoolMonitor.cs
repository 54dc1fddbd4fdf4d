using System.Diagnostics.Metrics;

namespace LiveDash.Telemetry;

/// <summary>
/// Reads the database pool from the driver's own System.Diagnostics.Metrics instruments (Npgsql
/// publishes connection counts by state and pending open requests as observable instruments, so
/// one poll per tick gives the current values without touching the hot path).
/// </summary>
public sealed class DbPoolMonitor : IDisposable
{
    public const string MeterName = "Npgsql";
    const string ConnectionCount = "db.client.connection.count";
    const string PendingRequests = "db.client.connection.npgsql.pending_requests";
    const string StateTag = "db.client.connection.state";

    readonly MeterListener _listener = new();
    readonly Lock _readLock = new();
    long _busy, _idle, _pending;
    bool _seen;
    string? _onlyPool;

    public DbPoolMonitor()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == MeterName && instrument.Name is ConnectionCount or PendingRequests)
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<int>((i, value, tags, _) => OnMeasurement(i, value, tags));
        _listener.SetMeasurementEventCallback<long>((i, value, tags, _) => OnMeasurement(i, value, tags));
        _listener.Start();
    }

    void OnMeasurement(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (_onlyPool is { } only && !HasValue(tags, only)) return;
        _seen = true;
        if (instrument.Name == PendingRequests)
        {
            _pending += value;
            return;
        }
        foreach (var tag in tags)
        {
            if (tag.Key != StateTag) continue;
            if (tag.Value as string == "idle") _idle += value;
            else _busy += value;
        }
    }

    /// <summary>[busy, idle, waiting for a connection] summed over the app's pools, or null if the driver published nothing.</summary>
    public long[]? Read()
    {
        lock (_readLock)
        {
            _busy = _idle = _pending = 0;
            _seen = false;
            _listener.RecordObservableInstruments();
            return _seen ? [_busy, _idle, _pending] : null;
        }
    }

    /// <summary>[busy, idle, waiting] of one pool, named as the driver tags it (the data source's name, by default its connection string without the password); null when none matched.</summary>
    public long[]? Read(string poolName)
    {
        lock (_readLock)
        {
            _busy = _idle = _pending = 0;
            _seen = false;
            _onlyPool = poolName;
            try { _listener.RecordObservableInstruments(); }
            finally { _onlyPool = null; }
            return _seen ? [_busy, _idle, _pending] : null;
        }
    }

    static bool HasValue(ReadOnlySpan<KeyValuePair<string, object?>> tags, string value)
    {
        foreach (var tag in tags)
            if (tag.Value as string == value) return true;
        return false;
    }

    public void Dispose() => _listener.Dispose();
}
