using System.Data;
using System.Net.Sockets;
using Npgsql;
using NpgsqlTypes;

namespace LiveDash.Store.Postgres;

/// <summary>
/// The store on PostgreSQL through one <see cref="NpgsqlDataSource"/>. Each operation has a blocking
/// path (Open, ExecuteReader, Read) and an awaited one (OpenAsync, ExecuteReaderAsync, ReadAsync)
/// sharing the same statement and row mapping, so both return identical results.
/// Every await is ConfigureAwait(false): the data layer never needs the caller's thread to finish, so
/// SyncOverAsync blocking a store worker (whose continuations queue on that worker) cannot deadlock.
/// </summary>
public sealed class PostgresStore(NpgsqlDataSource dataSource, SeedData seed, ILogger<PostgresStore> logger,
    PostgresProbe? probe = null, Telemetry.DbPoolMonitor? pool = null) : IStoreBackend
{
    /// <summary>
    /// New connections opened at once, at most (what MongoDB's drivers call maxConnecting). Each costs the server a
    /// fork, about 25 ms on a small VM, one after another. Unbounded, a cold burst of 120 requests queued 120 opens at
    /// the server; those past the connect timeout gave up (their forks still ran), the failed requests came straight
    /// back, and the server never caught up: a retry storm that held the app at a tenth of its rate. Bounded, the pool
    /// fills at the server's pace; a warm pool passes through one uncontended semaphore.
    /// </summary>
    public const int MaxConnecting = 16;

    readonly SemaphoreSlim _connecting = new(MaxConnecting, MaxConnecting);
    readonly TimeSpan _connectWait = TimeSpan.FromSeconds(Math.Max(1, new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).Timeout));
    readonly int _maxPoolSize = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).MaxPoolSize;

    public string Name => "PostgreSQL";

    public IReadOnlyList<ProductSummary> Featured(int dbLatencyMs)
    {
        using var conn = Open();
        using var cmd = Command(conn, PostgresSql.Featured, dbLatencyMs);
        return Guard(() => ReadAll(cmd, ReadSummary));
    }

    public async Task<IReadOnlyList<ProductSummary>> FeaturedAsync(int dbLatencyMs, CancellationToken ct)
    {
        var conn = await OpenAsync(ct).ConfigureAwait(false);
        await using var connScope = conn.ConfigureAwait(false);
        var cmd = Command(conn, PostgresSql.Featured, dbLatencyMs);
        await using var cmdScope = cmd.ConfigureAwait(false);
        return await GuardAsync(() => ReadAllAsync(cmd, ReadSummary, ct), ct).ConfigureAwait(false);
    }

    public ProductPage SearchProducts(string search, int page, int dbLatencyMs)
    {
        using var conn = Open();
        using var batch = SearchBatch(conn, search, page, dbLatencyMs);
        return Guard(() =>
        {
            using var reader = batch.ExecuteReader();
            reader.Read();
            var total = reader.GetInt32(0);
            reader.NextResult();
            var items = new List<ProductSummary>(IStoreBackend.PageSize);
            while (reader.Read()) items.Add(ReadSummary(reader));
            return new ProductPage(search, page, IStoreBackend.PageSize, total, items);
        });
    }

    public async Task<ProductPage> SearchProductsAsync(string search, int page, int dbLatencyMs, CancellationToken ct)
    {
        var conn = await OpenAsync(ct).ConfigureAwait(false);
        await using var connScope = conn.ConfigureAwait(false);
        var batch = SearchBatch(conn, search, page, dbLatencyMs);
        await using var batchScope = batch.ConfigureAwait(false);
        return await GuardAsync(async () =>
        {
            var reader = await batch.ExecuteReaderAsync(ct).ConfigureAwait(false);
            await using var readerScope = reader.ConfigureAwait(false);
            await reader.ReadAsync(ct).ConfigureAwait(false);
            var total = reader.GetInt32(0);
            await reader.NextResultAsync(ct).ConfigureAwait(false);
            var items = new List<ProductSummary>(IStoreBackend.PageSize);
            while (await reader.ReadAsync(ct).ConfigureAwait(false)) items.Add(ReadSummary(reader));
            return new ProductPage(search, page, IStoreBackend.PageSize, total, items);
        }, ct).ConfigureAwait(false);
    }

    public Product? FindProduct(int id, int dbLatencyMs)
    {
        using var conn = Open();
        using var cmd = Command(conn, PostgresSql.FindProduct, id, dbLatencyMs);
        return Guard(() => ReadAll(cmd, ReadProduct).FirstOrDefault());
    }

    public async Task<Product?> FindProductAsync(int id, int dbLatencyMs, CancellationToken ct)
    {
        var conn = await OpenAsync(ct).ConfigureAwait(false);
        await using var connScope = conn.ConfigureAwait(false);
        var cmd = Command(conn, PostgresSql.FindProduct, id, dbLatencyMs);
        await using var cmdScope = cmd.ConfigureAwait(false);
        return (await GuardAsync(() => ReadAllAsync(cmd, ReadProduct, ct), ct).ConfigureAwait(false)).FirstOrDefault();
    }

    public UserAccount? FindUser(int id, int dbLatencyMs)
    {
        using var conn = Open();
        using var cmd = Command(conn, PostgresSql.FindUser, id, dbLatencyMs);
        return Guard(() => ReadAll(cmd, ReadUser).FirstOrDefault());
    }

    public async Task<UserAccount?> FindUserAsync(int id, int dbLatencyMs, CancellationToken ct)
    {
        var conn = await OpenAsync(ct).ConfigureAwait(false);
        await using var connScope = conn.ConfigureAwait(false);
        var cmd = Command(conn, PostgresSql.FindUser, id, dbLatencyMs);
        await using var cmdScope = cmd.ConfigureAwait(false);
        return (await GuardAsync(() => ReadAllAsync(cmd, ReadUser, ct), ct).ConfigureAwait(false)).FirstOrDefault();
    }

    public IReadOnlyList<OrderSummary> RecentOrders(int userId, int dbLatencyMs)
    {
        using var conn = Open();
        using var cmd = Command(conn, PostgresSql.RecentOrders, userId, dbLatencyMs);
        return Guard(() => ReadAll(cmd, ReadOrder));
    }

    public async Task<IReadOnlyList<OrderSummary>> RecentOrdersAsync(int userId, int dbLatencyMs, CancellationToken ct)
    {
        var conn = await OpenAsync(ct).ConfigureAwait(false);
        await using var connScope = conn.ConfigureAwait(false);
        var cmd = Command(conn, PostgresSql.RecentOrders, userId, dbLatencyMs);
        await using var cmdScope = cmd.ConfigureAwait(false);
        return await GuardAsync(() => ReadAllAsync(cmd, ReadOrder, ct), ct).ConfigureAwait(false);
    }

    public async Task PingAsync(CancellationToken ct)
    {
        var conn = await OpenAsync(ct).ConfigureAwait(false);
        await using var connScope = conn.ConfigureAwait(false);
        var cmd = new NpgsqlCommand("SELECT 1", conn);
        await using var cmdScope = cmd.ConfigureAwait(false);
        await GuardAsync(() => cmd.ExecuteScalarAsync(ct), ct).ConfigureAwait(false);
    }

    /// <summary>Seeds if needed, then warms the pool (<see cref="WarmAsync"/>).</summary>
    public async Task EnsureSeededAsync(CancellationToken ct)
    {
        await new PostgresSeeder(dataSource, logger).EnsureSeededAsync(seed, ct).ConfigureAwait(false);
        await WarmAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Opens the pool's minimum number of connections at start-up (LiveDash's default: as many as admission control
    /// lets in at once), at most <see cref="MaxConnecting"/> at a time, and holds each until all are open so the
    /// pool cannot hand one out twice; then returns them to the pool, which keeps its minimum for good. A cold burst
    /// of 1,000 requests a second otherwise had ~200 backends forked in its first seconds. Best effort: a connection
    /// that cannot be opened is logged, and requests open what is missing as before.
    /// </summary>
    async Task WarmAsync(CancellationToken ct)
    {
        var wanted = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).MinPoolSize;
        if (wanted <= 0) return;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var opens = Enumerable.Range(0, wanted).Select(async Task<object> (_) =>
        {
            try { return await OpenAsync(ct).ConfigureAwait(false); }
            catch (Exception e) when (!ct.IsCancellationRequested) { return e; }
        }).ToList();
        var results = await Task.WhenAll(opens).ConfigureAwait(false);
        var opened = 0;
        Exception? failure = null;
        foreach (var result in results)
        {
            if (result is NpgsqlConnection conn) { opened++; await conn.DisposeAsync().ConfigureAwait(false); }
            else failure ??= (Exception)result;
        }
        if (failure is null) logger.LogInformation("PostgreSQL pool warmed: {Opened} connections in {Ms:0} ms", opened, clock.Elapsed.TotalMilliseconds);
        else logger.LogWarning("PostgreSQL pool warmed to {Opened} of its minimum {Wanted} connections in {Ms:0} ms: {Error}", opened, wanted, clock.Elapsed.TotalMilliseconds, failure.Message);
    }

    public IReadOnlyDictionary<string, object?> Describe()
    {
        var builder = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        return new Dictionary<string, object?>
        {
            ["host"] = builder.Host,
            ["port"] = builder.Port,
            ["database"] = builder.Database,
            ["maxPoolSize"] = builder.MaxPoolSize,
            ["minPoolSize"] = builder.MinPoolSize,
        };
    }

    // --- plumbing shared by both paths ---

    NpgsqlConnection Open()
    {
        try
        {
            if (!_connecting.Wait(_connectWait)) throw NoTurnToConnect();
            try { return dataSource.OpenConnection(); }
            finally { _connecting.Release(); }
        }
        catch (Exception e) when (IsUnavailable(e)) { throw Unavailable(e); }
    }

    async ValueTask<NpgsqlConnection> OpenAsync(CancellationToken ct)
    {
        try
        {
            if (!await _connecting.WaitAsync(_connectWait, ct).ConfigureAwait(false)) throw NoTurnToConnect();
            try { return await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false); }
            finally { _connecting.Release(); }
        }
        catch (Exception e) when (Translate(e, ct) is { } translated) { throw translated; }
    }

    TimeoutException NoTurnToConnect() =>
        new($"no connection could be started within {_connectWait.TotalSeconds:0} s ({MaxConnecting} were being opened already)");

    T Guard<T>(Func<T> run)
    {
        try { return run(); }
        catch (Exception e) when (IsUnavailable(e)) { throw Unavailable(e); }
    }

    async Task<T> GuardAsync<T>(Func<Task<T>> run, CancellationToken ct)
    {
        try { return await run().ConfigureAwait(false); }
        catch (Exception e) when (Translate(e, ct) is { } translated) { throw translated; }
    }

    /// <summary>
    /// What a failed asynchronous call becomes. Once the client has left, whatever the driver threw (a cancelled
    /// statement, a cancel request that could not reach the server, an open cut short) is the cancellation, never
    /// an outage: counting it as one dropped the pool at the end of every load run, and the next burst of opens
    /// then timed out. Otherwise an outage, or the exception itself (null).
    /// </summary>
    Exception? Translate(Exception e, CancellationToken ct) =>
        ct.IsCancellationRequested ? (e is OperationCanceledException ? null : new OperationCanceledException("the request was aborted", e, ct))
        : IsUnavailable(e) ? Unavailable(e) : null;

    static NpgsqlCommand Command(NpgsqlConnection conn, string sql, params int[] args)
    {
        var cmd = new NpgsqlCommand(sql, conn);
        foreach (var arg in args) cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = arg });
        return cmd;
    }

    static NpgsqlBatch SearchBatch(NpgsqlConnection conn, string search, int page, int dbLatencyMs)
    {
        var pattern = "%" + EscapeLike(search) + "%";
        var batch = new NpgsqlBatch(conn);
        var count = new NpgsqlBatchCommand(PostgresSql.SearchCount);
        count.Parameters.Add(new NpgsqlParameter<int> { TypedValue = dbLatencyMs });
        count.Parameters.Add(new NpgsqlParameter<string> { TypedValue = search, NpgsqlDbType = NpgsqlDbType.Text });
        count.Parameters.Add(new NpgsqlParameter<string> { TypedValue = pattern, NpgsqlDbType = NpgsqlDbType.Text });
        var rows = new NpgsqlBatchCommand(PostgresSql.SearchPage);
        rows.Parameters.Add(new NpgsqlParameter<string> { TypedValue = search, NpgsqlDbType = NpgsqlDbType.Text });
        rows.Parameters.Add(new NpgsqlParameter<string> { TypedValue = pattern, NpgsqlDbType = NpgsqlDbType.Text });
        rows.Parameters.Add(new NpgsqlParameter<int> { TypedValue = IStoreBackend.PageSize });
        rows.Parameters.Add(new NpgsqlParameter<int> { TypedValue = (page - 1) * IStoreBackend.PageSize });
        batch.BatchCommands.Add(count);
        batch.BatchCommands.Add(rows);
        return batch;
    }

    static string EscapeLike(string s) => s.Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_");

    static List<T> ReadAll<T>(NpgsqlCommand cmd, Func<NpgsqlDataReader, T> map)
    {
        using var reader = cmd.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read()) rows.Add(map(reader));
        return rows;
    }

    static async Task<List<T>> ReadAllAsync<T>(NpgsqlCommand cmd, Func<NpgsqlDataReader, T> map, CancellationToken ct)
    {
        var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var rows = new List<T>();
        while (await reader.ReadAsync(ct).ConfigureAwait(false)) rows.Add(map(reader));
        return rows;
    }

    static ProductSummary ReadSummary(NpgsqlDataReader r) => new(r.GetInt32(0), r.GetString(1), r.GetString(2), r.GetDecimal(3));

    static Product ReadProduct(NpgsqlDataReader r) =>
        new(r.GetInt32(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetDecimal(4), r.GetInt32(5));

    static UserAccount ReadUser(NpgsqlDataReader r) => new(r.GetInt32(0), r.GetString(1), r.GetString(2), r.GetBoolean(3));

    static OrderSummary ReadOrder(NpgsqlDataReader r) =>
        new(r.GetInt64(0), r.GetFieldValue<DateTime>(1), r.GetString(2), r.GetInt32(3), r.GetDecimal(4));

    /// <summary>Connection-level failures (server down, refused, restarting) as opposed to bugs in our SQL.</summary>
    internal static bool IsUnavailable(Exception e) => e switch
    {
        PostgresException pg => pg.SqlState.StartsWith("08") || pg.SqlState.StartsWith("57P"),
        NpgsqlException => true,
        SocketException or TimeoutException => true,
        InvalidOperationException when e.InnerException is NpgsqlException => true,
        _ => false,
    };

    StoreUnavailableException Unavailable(Exception e)
    {
        // No connection in time (the pool exhausted, or opens queued at a busy server) is not an outage unless a fresh
        // connection outside the pool fails too. Nor are the pooled connections to blame: dropping them would make
        // the next burst of opens (each a fork at the server) longer still, an outage of our own making.
        if (IsSlowOpen(e))
        {
            if (probe?.Latest() is { Reachable: false } down)
                return new StoreUnavailableException($"PostgreSQL is unreachable: {e.Message}; a fresh connection failed too: {down.Error}", e);
            return new StoreBusyException($"database pool exhausted: no connection was free within {_connectWait.TotalSeconds:0} s", DescribePool, e);
        }
        // Broken sockets may still sit idle in the pool after the server went away: drop them so recovery needs no restart.
        dataSource.Clear();
        return new StoreUnavailableException($"PostgreSQL is unreachable: {e.Message}", e);
    }

    /// <summary>"N of M in use, K waiting", from the driver's own pool figures (read only when logged).</summary>
    string DescribePool() => (pool?.Read(dataSource.ConnectionString) ?? pool?.Read()) is [var busy, _, var waiting]
        ? $"{busy} of {_maxPoolSize} in use, {waiting} waiting"
        : $"at most {_maxPoolSize} connections";

    internal static bool IsSlowOpen(Exception e) => e is TimeoutException || e.InnerException is TimeoutException;
}
