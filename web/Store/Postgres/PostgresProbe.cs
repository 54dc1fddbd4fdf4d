using System.Diagnostics;
using Npgsql;

namespace LiveDash.Store.Postgres;

/// <summary>
/// Tells a busy database from a down one. When the pool gives no connection in time, the store asks here: a probe
/// opens a fresh connection outside the pool (Pooling=false) and runs SELECT 1. Only when that fails too is the
/// database called unreachable. One probe at a time, on a dedicated thread with the blocking driver API (a starved
/// thread pool must not delay it, and it never runs on a request's thread); its answer is reused for a second.
/// Until the first answer the store assumes busy: a pool that times out has, after all, connections that work.
/// </summary>
public sealed class PostgresProbe : IDisposable
{
    static readonly TimeSpan Fresh = TimeSpan.FromSeconds(1);
    readonly string _connectionString;
    readonly AutoResetEvent _wake = new(false);
    readonly CancellationTokenSource _stopping = new();
    readonly Thread _thread;
    int _wanted;
    volatile Result? _latest;

    public sealed record Result(bool Reachable, long At, string? Error);

    /// <param name="connectionString">The store's, with its password (a data source's own copy has none).</param>
    public PostgresProbe(string connectionString)
    {
        _connectionString = new NpgsqlConnectionStringBuilder(connectionString)
        {
            Pooling = false, Timeout = 5, CommandTimeout = 5, ApplicationName = "LiveDash probe",
        }.ConnectionString;
        _thread = new Thread(ProbeLoop) { IsBackground = true, Name = "LiveDash database probe" };
        _thread.Start();
    }

    /// <summary>The latest probe's answer (null before the first); asks for a new one when it is older than a second. Never waits.</summary>
    public Result? Latest()
    {
        var latest = _latest;
        if ((latest is null || Stopwatch.GetElapsedTime(latest.At) > Fresh) && Interlocked.Exchange(ref _wanted, 1) == 0) _wake.Set();
        return latest;
    }

    void ProbeLoop()
    {
        var stop = _stopping.Token;
        while (!stop.IsCancellationRequested)
        {
            _wake.WaitOne();
            if (stop.IsCancellationRequested) break;
            string? error = null;
            try
            {
                using var connection = new NpgsqlConnection(_connectionString);
                connection.Open();
                using var command = new NpgsqlCommand("SELECT 1", connection);
                command.ExecuteScalar();
            }
            catch (Exception e) when (PostgresStore.IsUnavailable(e))
            {
                error = e.Message;
            }
            _latest = new Result(error is null, Stopwatch.GetTimestamp(), error);
            Volatile.Write(ref _wanted, 0);
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _wake.Set();
    }
}
