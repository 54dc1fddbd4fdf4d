namespace LiveDash.AspNetCore.Tests;

public class TelemetryAggregatorTests
{
    [Fact]
    public void EveryConcurrentRequestIsCountedExactlyOnce()
    {
        using var kit = new TelemetryTestKit();
        const int threads = 8, perThread = 20_000;
        long ok = 0, errors = 0;
        var recording = true;
        var collector = new Thread(() =>
        {
            while (Volatile.Read(ref recording))
            {
                var tick = kit.Aggregator.Collect();
                Interlocked.Add(ref ok, tick.Ok);
                Interlocked.Add(ref errors, tick.Errors);
            }
        });
        collector.Start();
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            for (var i = 0; i < perThread; i++)
            {
                kit.Recorder.RequestStarted();
                kit.Recorder.RequestCompleted(TelemetryTestKit.Finished(100 + i % 5000, status: i % 10 == 0 ? 500 : 200), null);
            }
        });
        Volatile.Write(ref recording, false);
        collector.Join();
        var last = kit.Aggregator.Collect();
        ok += last.Ok;
        errors += last.Errors;

        Assert.Equal(threads * perThread / 10, errors);
        Assert.Equal(threads * perThread - threads * perThread / 10, ok);
        Assert.Equal(0, last.InFlight);
        Assert.Equal(threads * perThread, last.Modes.Single(m => m.Mode == TestLabels.Async).Requests);
    }

    [Fact]
    public void WaterfallHoldsAHundredSampledRequestsWithTheirRoundTrips()
    {
        using var kit = new TelemetryTestKit();
        for (var i = 0; i < 1000; i++) kit.Recorder.RequestCompleted(TelemetryTestKit.Finished(60_000, roundTrips: 2), null);

        var tick = kit.Aggregator.Collect();

        Assert.NotNull(tick.Waterfall);
        Assert.Equal(TelemetryRecorder.WaterfallSize, tick.Waterfall!.Length);
        foreach (var entry in tick.Waterfall)
        {
            Assert.Equal(4, entry.Db.Length);
            Assert.Equal(["find-user", "recent-orders"], entry.Labels.Select(i => tick.RoundTripLabels![i]));
            Assert.InRange(entry.Total, 59.9, 60.1);
            Assert.True(entry.Queued > 0 && entry.Queued < entry.Db[0], $"queued {entry.Queued} before the first round trip at {entry.Db[0]}");
            Assert.True(entry.Db[0] < entry.Db[1] && entry.Db[1] <= entry.Db[2] && entry.Db[3] <= entry.Total);
            Assert.True(entry.Start < 0);
        }
        Assert.Null(kit.Aggregator.Collect().Waterfall);
    }

    [Fact]
    public void ReservoirGivesEarlyAndLateRequestsTheSameChance()
    {
        using var kit = new TelemetryTestKit();
        long early = 0, total = 0;
        for (var round = 0; round < 100; round++)
        {
            // Request i lasts (1000 + i) µs, so a sample's duration tells where in the tick it came.
            for (var i = 0; i < 1000; i++) kit.Recorder.RequestCompleted(TelemetryTestKit.Finished(1000 + i), null);
            foreach (var entry in kit.Aggregator.Collect().Waterfall!)
            {
                total++;
                if (entry.Total < 1.5) early++;
            }
        }
        Assert.Equal(100 * TelemetryRecorder.WaterfallSize, total);
        Assert.InRange(early / (double)total, 0.45, 0.55);
    }

    [Fact]
    public void PercentilesComeFromTheTicksRequests()
    {
        using var kit = new TelemetryTestKit();
        for (var i = 1; i <= 100; i++) kit.Recorder.RequestCompleted(TelemetryTestKit.Finished(i * 1000), null);

        var tick = kit.Aggregator.Collect();

        Assert.InRange(tick.Percentiles[0], 49.5, 50.5);
        Assert.InRange(tick.Percentiles[3], 98.5, 99.5);
        Assert.InRange(tick.Percentiles[4], 99.5, 100.5);
        Assert.Equal(100, tick.Histogram.Sum());
    }

    [Fact]
    public void ResetClearsThePerModeTotalsAndChangesAreCarriedInTheNextTick()
    {
        using var kit = new TelemetryTestKit();
        for (var i = 0; i < 50; i++) kit.Recorder.RequestCompleted(TelemetryTestKit.Finished(5000, label: TestLabels.Sync), null);
        Assert.Equal(50, kit.Aggregator.Collect().Modes.Single(m => m.Mode == TestLabels.Sync).Requests);

        kit.Labels.Current = TestLabels.Sync;
        kit.Feed.Mark("mode", "Async", "Sync", "test");
        kit.Feed.ResetTotals();
        kit.Feed.Mark("reset", "", "measurements reset", "test");
        var tick = kit.Aggregator.Collect();

        Assert.DoesNotContain(tick.Modes, m => m.Requests > 0);
        Assert.Equal(TestLabels.Sync, tick.Mode);
        Assert.Contains(tick.Changes!, c => c.Field == "mode" && c.OldValue == "Async" && c.NewValue == "Sync");
        Assert.Contains(tick.Changes!, c => c.Field == "reset");
        Assert.Null(kit.Aggregator.Collect().Changes);
    }
}
