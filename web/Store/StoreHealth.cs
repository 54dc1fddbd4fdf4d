namespace LiveDash.Store;

/// <summary>The store has no data yet: the database was unreachable at start, and is seeded as soon as it answers.</summary>
public sealed class StoreNotSeededException() : StoreUnavailableException(
    "the store's data is not ready yet: the database could not be seeded at start-up, and is seeded as soon as it answers");

/// <summary>
/// Whether the store's data is ready, and the outage log: one warning when the database becomes unreachable,
/// a count every 10 s while it stays so, one line when it is back; never one line per request.
/// While the database is up this costs one volatile read per round trip.
/// </summary>
public sealed class StoreHealth(ILogger<StoreHealth> logger, TimeProvider time)
{
    public static readonly TimeSpan ReportEvery = TimeSpan.FromSeconds(10);

    readonly object _transition = new();
    volatile bool _seeded;
    volatile bool _down;
    long _outageStarted;
    long _lastReport;
    long _sinceReport;
    long _total;
    long _lastBusyReport;
    long _busySinceReport;

    public bool IsSeeded => _seeded;

    public bool IsDown => _down;

    /// <summary>When a database call starts: 0 while the database is up (free), else the time, for <see cref="ReportAvailable"/>.</summary>
    public long CallStarted() => _down ? time.GetTimestamp() : 0;

    public void MarkSeeded(long started)
    {
        _seeded = true;
        ReportAvailable(started);
    }

    /// <summary>A request (or the seeder) could not reach the database.</summary>
    public void ReportUnavailable(string message)
    {
        var now = time.GetTimestamp();
        if (!_down)
        {
            lock (_transition)
            {
                if (!_down)
                {
                    (_outageStarted, _lastReport, _sinceReport, _total) = (now, now, 1, 1);
                    _down = true;
                    logger.LogWarning("The database became unreachable: {Message}. Requests answer 503 until it is back; a count follows every {Seconds:F0} s.",
                        message, ReportEvery.TotalSeconds);
                    return;
                }
            }
        }
        Interlocked.Increment(ref _sinceReport);
        Interlocked.Increment(ref _total);
        var last = Interlocked.Read(ref _lastReport);
        if (time.GetElapsedTime(last, now) < ReportEvery || Interlocked.CompareExchange(ref _lastReport, now, last) != last) return;
        logger.LogWarning("The database is still unreachable after {Seconds:F0} s: {Count} database calls failed in the last {Window:F0} s ({Message})",
            time.GetElapsedTime(Interlocked.Read(ref _outageStarted), now).TotalSeconds, Interlocked.Exchange(ref _sinceReport, 0),
            time.GetElapsedTime(last, now).TotalSeconds, message);
    }

    /// <summary>
    /// No connection was free in time, but the database answers: one line now and then at most one every 10 s,
    /// "database pool exhausted: N of M in use, K waiting", never "unreachable".
    /// </summary>
    public void ReportBusy(StoreBusyException busy)
    {
        var now = time.GetTimestamp();
        Interlocked.Increment(ref _busySinceReport);
        var last = Interlocked.Read(ref _lastBusyReport);
        if (last != 0 && time.GetElapsedTime(last, now) < ReportEvery) return;
        if (Interlocked.CompareExchange(ref _lastBusyReport, now, last) != last) return;
        logger.LogWarning("Database pool exhausted: {Pool}; {Count} database calls answered 503 since the last such line. PostgreSQL answers a fresh connection: it is busy, not down",
            busy.DescribePool(), Interlocked.Exchange(ref _busySinceReport, 0));
    }

    /// <summary>
    /// A database call that started at <paramref name="started"/> (from <see cref="CallStarted"/>) succeeded. Calls that
    /// were already under way when the outage began prove nothing (they finish as the server shuts down), so they
    /// do not end it: one outage, one pair of lines.
    /// </summary>
    public void ReportAvailable(long started)
    {
        if (!_down) return;
        lock (_transition)
        {
            if (!_down || started < _outageStarted) return;
            _down = false;
            logger.LogInformation("The database is reachable again after {Seconds:F1} s ({Count} database calls failed in all)",
                time.GetElapsedTime(_outageStarted).TotalSeconds, Interlocked.Read(ref _total));
        }
    }
}
