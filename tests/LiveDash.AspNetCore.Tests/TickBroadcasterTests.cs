namespace LiveDash.AspNetCore.Tests;

public class TickBroadcasterTests
{
    static Tick Tick(long seq) => new() { Seq = seq, Waterfall = [new WaterfallEntry { Route = "/x" }] };

    [Fact]
    public void AStalledDashboardStaysBoundedAndCountsWhatItMissed()
    {
        var broadcaster = new TickBroadcaster();
        var stalled = broadcaster.Subscribe();
        var reading = broadcaster.Subscribe();
        var received = new List<long>();

        for (var seq = 1; seq <= 5000; seq++)
        {
            broadcaster.Publish(Tick(seq));
            while (reading.Reader.TryRead(out var tick)) received.Add(tick.Seq);
        }

        Assert.Equal(Enumerable.Range(1, 5000).Select(i => (long)i), received);
        Assert.Equal(0, reading.Dropped);
        Assert.Equal(TickBroadcaster.ClientQueueCapacity, stalled.Queued);
        Assert.Equal(5000 - TickBroadcaster.ClientQueueCapacity, stalled.Dropped);
        Assert.True(stalled.Reader.TryRead(out var oldest));
        Assert.Equal(5000 - TickBroadcaster.ClientQueueCapacity + 1, oldest!.Seq);
    }

    [Fact]
    public void ANewDashboardGetsTheLastMinuteWithWaterfallsOnlyForTheNewest()
    {
        var broadcaster = new TickBroadcaster();
        for (var seq = 1; seq <= 300; seq++) broadcaster.Publish(Tick(seq));

        var subscription = broadcaster.Subscribe();
        var backlog = new List<Tick>();
        while (subscription.Reader.TryRead(out var tick)) backlog.Add(tick);

        Assert.Equal(TickBroadcaster.HistoryLength, backlog.Count);
        Assert.Equal(Enumerable.Range(61, 240).Select(i => (long)i), backlog.Select(t => t.Seq));
        Assert.All(backlog.Take(backlog.Count - 8), t => Assert.Null(t.Waterfall));
        Assert.All(backlog.TakeLast(8), t => Assert.NotNull(t.Waterfall));

        broadcaster.Unsubscribe(subscription);
        broadcaster.Publish(Tick(301));
        Assert.False(subscription.Reader.TryRead(out _));
    }
}
