using System.Diagnostics;
using LiveDash.Store.Mongo;
using MongoDB.Driver;
using Xunit.Abstractions;

namespace LiveDash.Tests.Store.Mongo;

/// <summary>
/// The dashboard's MongoDB gauge ("mgo" on the tick): while the thread pool is starved, a client with an empty pool
/// cannot open a connection, and the gauge counts it, in the last second and since start; a second later with no
/// new failure, the last second's figure is back to 0. Runs alone, as the starved-pool test: the starvation is the process's.
/// </summary>
[Collection(StarvedPoolCollection.Name)]
public sealed class MongoGaugesTests(ITestOutputHelper output) : IDisposable
{
    readonly MockMongod _mock = new();

    [Fact]
    public void FailedOpensUnderAStarvedPoolRaiseTheGaugeWhichFallsBackAfterASecond()
    {
        var settings = MongoConnectionSettings.Parse(_mock.ConnectionString("minPoolSize=0&connectTimeoutMS=1000&appName=gauge"));
        var monitor = new MongoPoolMonitor(settings);
        var gauges = new MongoGauges(monitor);
        using var client = new MongoClient(settings.ClientSettings(monitor.Subscribe));
        // The client knows the server (its monitor connected) but has no pooled connection: the call must open one.
        for (var i = 0; i < 100 && !client.Cluster.Description.Servers.Any(x => x.State == MongoDB.Driver.Core.Servers.ServerState.Connected); i++) Thread.Sleep(50);
        Assert.Contains(client.Cluster.Description.Servers, x => x.State == MongoDB.Driver.Core.Servers.ServerState.Connected);
        var before = gauges.Sample(Stopwatch.GetTimestamp());
        Assert.Equal(0, before.OpenFailures + before.CheckoutTimeouts);

        var gate = new ManualResetEventSlim();
        (double Ms, Exception? Error) call;
        try
        {
            MongoStarvedPoolTests.Starve(gate);
            call = MongoStarvedPoolTests.OnOwnThread("empty pool", () => MongoStarvedPoolTests.Call(client));
        }
        finally { gate.Set(); }
        var during = gauges.Sample(Stopwatch.GetTimestamp());
        output.WriteLine($"call: {call.Ms:0} ms {call.Error?.GetType().Name}; gauge {during}");

        Assert.NotNull(call.Error);
        Assert.True(during.OpenFailuresTotal + during.CheckoutTimeoutsTotal >= 1, $"the gauge should count what failed: {during}");
        Assert.True(during.OpenFailures + during.CheckoutTimeouts >= 1, $"and show it as recent: {during}");
        Assert.Equal(monitor.OpenFailures, during.OpenFailuresTotal);

        // A second on, nothing new failed: the last second's figures are 0, the totals stay.
        var later = gauges.Sample(Stopwatch.GetTimestamp() + Stopwatch.Frequency * 3 / 2);
        // (The baseline is now the sample taken just after the call: only what failed since, if anything, counts.)
        Assert.Equal(later.OpenFailuresTotal - during.OpenFailuresTotal, later.OpenFailures);
        Assert.Equal(later.CheckoutTimeoutsTotal - during.CheckoutTimeoutsTotal, later.CheckoutTimeouts);
        Assert.True(later.OpenFailures + later.CheckoutTimeouts < during.OpenFailuresTotal + during.CheckoutTimeoutsTotal, $"the last second's figures fall back: {later}");
        Assert.Equal(monitor.OpenFailures, later.OpenFailuresTotal);
    }

    public void Dispose() => _mock.Dispose();
}
