using System.Diagnostics;
using LiveDash.Store.Mongo;
using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;

namespace LiveDash.Tests.Store.Mongo;

[CollectionDefinition(Name, DisableParallelization = true)]
public class StarvedPoolCollection
{
    public const string Name = "starved thread pool";
}

/// <summary>
/// What the official driver can and cannot do while the thread pool is starved (every pool thread blocked, as Sync
/// mode under load leaves it), measured from dedicated threads as the app's blocked requests would call it. The
/// driver's synchronous connect is Socket.ConnectAsync waited on, and the socket's completion needs a pool thread:
/// a new connection cannot be opened, so a cold client cannot select a server and an empty pool cannot grow. Open
/// connections keep serving. Runs alone: the starvation is the whole process's. docs/running-on-mongodb.md explains.
/// </summary>
[Collection(StarvedPoolCollection.Name)]
public sealed class MongoStarvedPoolTests(ITestOutputHelper output) : IDisposable
{
    static readonly BsonDocument Ping = new("ping", 1);
    readonly MockMongod _mock = new();

    [Fact]
    public void UnderAStarvedPoolWarmConnectionsServeButNewConnectionsTimeOutAndEverythingRecoversAfter()
    {
        using var warm = new MongoClient(_mock.ConnectionString("minPoolSize=2&appName=warm"));
        Call(warm);
        // Knows the server (its monitor connected before the starvation) but has no pooled connection yet.
        using var emptyPool = new MongoClient(MongoConnectionSettings.Parse(_mock.ConnectionString("minPoolSize=0&connectTimeoutMS=1000&appName=empty-pool")).ClientSettings(_ => { }));
        emptyPool.Cluster.Description.Servers.ToString();
        MongoClient? cold = null;

        // Not disposed: blockers the pool has not started yet still wait on it after the test.
        var gate = new ManualResetEventSlim();
        (double Ms, Exception? Error) warmCall, emptyPoolCall, coldCall;
        try
        {
            Starve(gate);
            warmCall = OnOwnThread("warm", () => Call(warm));
            emptyPoolCall = OnOwnThread("empty pool", () => Call(emptyPool));
            // Created while starved, as the app's client is when it starts (or restarts) under load: LiveDash's defaults.
            coldCall = OnOwnThread("cold client", () => Call(cold = new MongoClient(MongoConnectionSettings.Parse(_mock.ConnectionString()).ClientSettings(_ => { }))));
        }
        finally { gate.Set(); }
        output.WriteLine($"warm: {warmCall.Ms:0} ms {warmCall.Error?.Message}");
        output.WriteLine($"empty pool: {emptyPoolCall.Ms:0} ms {emptyPoolCall.Error}");
        output.WriteLine($"cold client: {coldCall.Ms:0} ms {coldCall.Error?.Message}");

        Assert.Null(warmCall.Error);
        Assert.True(warmCall.Ms < 1000, $"an open connection serves a sync call at once: {warmCall.Ms:0} ms");

        // The connect never completes. Either connectTimeoutMS ends it (waited on the calling thread; a retried read
        // tries once more), or, when the pool is already opening one, the checkout gives up after waitQueueTimeoutMS (3 s).
        Assert.True(emptyPoolCall.Error is MongoConnectionException or TimeoutException, $"{emptyPoolCall.Error}");
        Assert.Matches("Timed out (connecting|waiting)", emptyPoolCall.Error!.ToString());
        Assert.InRange(emptyPoolCall.Ms, 900, 8000);

        // The monitor cannot connect either: server selection gives up after serverSelectionTimeoutMS (3 s), server "Disconnected".
        var selection = Assert.IsType<TimeoutException>(coldCall.Error);
        Assert.Contains("selecting a server", selection.Message);
        Assert.Contains("Timed out connecting", selection.Message);
        Assert.InRange(coldCall.Ms, 2900, 6000);

        // Starvation over: both connect at once, no restart.
        Assert.Null(OnOwnThread("empty pool, after", () => Call(emptyPool)).Error);
        Assert.Null(OnOwnThread("cold client, after", () => Call(cold!)).Error);
        cold!.Dispose();
    }

    internal static void Call(MongoClient client) => client.GetDatabase("admin").RunCommand<BsonDocument>(Ping);

    internal static (double Ms, Exception? Error) OnOwnThread(string name, Action call)
    {
        Exception? error = null;
        var clock = Stopwatch.StartNew();
        var thread = new Thread(() => { try { call(); } catch (Exception e) { error = e; } });
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromSeconds(30)), $"the {name} call should end, one way or the other (still running after {clock.Elapsed.TotalSeconds:0} s)");
        return (clock.Elapsed.TotalMilliseconds, error);
    }

    /// <summary>Blocks every thread-pool thread, and the ones it adds over the next half minute, until the gate opens.</summary>
    internal static void Starve(ManualResetEventSlim gate)
    {
        ThreadPool.GetMinThreads(out var min, out _);
        for (var i = 0; i < min + 64; i++) ThreadPool.UnsafeQueueUserWorkItem(_ => gate.Wait(), null);
        using var probe = new ManualResetEventSlim();
        ThreadPool.UnsafeQueueUserWorkItem(_ => probe.Set(), null);
        Assert.False(probe.Wait(300), "the thread pool should be starved");
    }

    public void Dispose() => _mock.Dispose();
}
