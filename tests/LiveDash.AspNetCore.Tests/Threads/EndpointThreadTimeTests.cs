namespace LiveDash.AspNetCore.Tests.Threads;

public class EndpointThreadTimeTests
{
    // requests, in app, on thread, observed, blocked by kind (7), cpu, run queue: ns
    static long[] Delta(long requests, double inAppMs, double onThreadMs, double observedMs, double cpuMs, double runQueueMs, params (BlockKind Kind, double Ms)[] blocked)
    {
        var d = new long[4 + ProcThreadStat.KindCount + 2];
        d[0] = requests;
        d[1] = (long)(inAppMs * 1e6);
        d[2] = (long)(onThreadMs * 1e6);
        d[3] = (long)(observedMs * 1e6);
        foreach (var (kind, ms) in blocked) d[4 + (int)kind] = (long)(ms * 1e6);
        d[^2] = (long)(cpuMs * 1e6);
        d[^1] = (long)(runQueueMs * 1e6);
        return d;
    }

    [Fact]
    public void TheObservedSplitIsScaledToTheWholeTimeOnAThread()
    {
        // 10 requests: 550 ms on threads, of which the watchdog saw 400 ms (it misses each segment's start): 40 on CPU, 360 asleep.
        var tick = EndpointThreadTime.Tick("/blocking", Delta(10, 560, 550, 400, 40, 0, (BlockKind.Sleep, 360)));
        Assert.Equal(550, tick.OnThreadMs);
        Assert.Equal(55, tick.OnCpuMs, 3);
        Assert.Equal(495, tick.BlockedMs, 3);
        Assert.Equal(10, tick.AwaitingMs, 3);
        Assert.Equal(495, tick.BlockedBy!["sleep"], 3);
        Assert.Equal(tick.OnThreadMs, tick.OnCpuMs + tick.RunQueueMs + tick.BlockedMs, 2);
    }

    [Fact]
    public void SegmentsTooShortToObserveCountAsOnCpuAndTheRestAwaits()
    {
        var tick = EndpointThreadTime.Tick("/async", Delta(20, 1020, 3, 0, 0, 0));
        Assert.Equal((3.0, 3.0, 0.0, 0.0, 1017.0), (tick.OnThreadMs, tick.OnCpuMs, tick.RunQueueMs, tick.BlockedMs, tick.AwaitingMs));
        Assert.Null(tick.BlockedBy);
    }

    [Fact]
    public void TheSummaryGivesMeansThreadsHeldByLittlesLawAndKeepsTheBusiestRoutes()
    {
        var recent = new RecentThreadTime();
        var start = 1_700_000_000_000L;
        for (var s = 0; s < 4; s++)
        for (var q = 0; q < 4; q++)
        {
            // Each tick: /blocking 25 requests × 50 ms blocked; /async 25 × 0.2 ms on a thread and 50 ms awaiting; three small ones.
            recent.Add(start + s * 1000 + q * 250, [
                new EndpointTick("/blocking", 25, 1250, 0, 50, 1200, 0, new Dictionary<string, double> { ["sleep"] = 1200 }),
                new EndpointTick("/async", 25, 5, 5, 0, 0, 1250, null),
                new EndpointTick("/a", 1, 1, 1, 0, 0, 0, null),
                new EndpointTick("/b", 1, 2, 2, 0, 0, 0, null),
                new EndpointTick("/c", 1, 3, 3, 0, 0, 0, null)], threads: 40 + s);
        }
        recent.Add(start + 4 * 1000, null, threads: 1);   // the next second's first tick completes the last one
        var (endpoints, peak) = recent.Summarize(start + 4 * 1000 + 10, seconds: 4, routes: 3);

        Assert.Equal(43, peak);
        Assert.Equal(["/blocking", "/async", "/c", "other"], endpoints.Select(e => e.Route));
        var blocking = endpoints[0];
        Assert.Equal(400, blocking.Requests);
        Assert.Equal(100, blocking.Rps);
        Assert.Equal(50, blocking.OnThreadMs);
        Assert.Equal(48, blocking.BlockedMs);
        Assert.Equal(2, blocking.RunQueueMs);
        Assert.Equal(1.0, blocking.BlockedBy["sleep"]);
        Assert.Equal(blocking.Rps * blocking.OnThreadMs / 1000, blocking.ThreadsHeld, 2);   // Little's law: 5 threads
        Assert.Equal(50, endpoints[1].AwaitingMs);
        Assert.Equal(2, endpoints[^1].Requests / 16);   // /a and /b
        Assert.Equal(1.0, endpoints.Sum(e => e.Share), 2);
        Assert.True(blocking.Share > 0.98);
    }

    [Fact]
    public void SecondsOutsideTheWindowAndTheCurrentSecondAreLeftOut()
    {
        var recent = new RecentThreadTime();
        recent.Add(10_000, [new EndpointTick("/old", 1, 1, 1, 0, 0, 0, null)], 5);
        recent.Add(20_000, [new EndpointTick("/new", 1, 1, 1, 0, 0, 0, null)], 5);
        recent.Add(21_000, [new EndpointTick("/current", 1, 1, 1, 0, 0, 0, null)], 5);
        var (endpoints, _) = recent.Summarize(21_500, seconds: 5, routes: 8);
        Assert.Equal(["/new"], endpoints.Select(e => e.Route));
    }
}
