using System.Diagnostics;
using LiveDash.LoadTests.Running;

namespace LiveDash.LoadTests.Tests.Running;

/// <summary>A long run does not keep two full histograms per second: finished seconds are sealed to their figures.</summary>
public class RunStatsSealingTests
{
    static void Fill(RunStats stats, long start, int second, int requests)
    {
        for (var i = 0; i < requests; i++)
        {
            stats.RequestStarted();
            stats.RequestEnded(start + second * Stopwatch.Frequency + i, 1_000 + 37L * i * (second + 1), 900 + 31L * i, null);
        }
    }

    [Fact]
    public void ASecondThreeSecondsBehindKeepsItsFiguresButNotItsHistograms()
    {
        var stats = new RunStats(60);
        var start = Stopwatch.GetTimestamp();
        stats.Start(start);
        for (var s = 0; s <= 3; s++) Fill(stats, start, s, 200);
        var open = stats.At(1)!;
        var figures = open.Figures();
        Assert.True(figures.P99 > figures.P50 && figures.Max >= figures.P99 && figures.RawP50 > 0);
        Assert.NotNull(open.Buckets());   // still open: seconds 1..3 may get late completions

        Fill(stats, start, 5, 10);        // seals through second 2
        Assert.Null(stats.At(1)!.Buckets());
        Assert.Null(stats.At(2)!.Buckets());
        Assert.NotNull(stats.At(3)!.Buckets());
        Assert.Equal(figures, stats.At(1)!.Figures());
        Assert.Equal(200, stats.At(1)!.Requests);
        Assert.Equal(4 * 200 + 10, stats.Requests);
        Assert.Equal(4 * 200 + 10, stats.Corrected.Count);   // the run's own histograms keep everything
    }

    [Fact]
    public void AnAgentsSecondKeepsItsBucketsUntilItHasSentThem()
    {
        var stats = new RunStats(60) { KeepSealedBuckets = true };
        var start = Stopwatch.GetTimestamp();
        stats.Start(start);
        Fill(stats, start, 0, 100);
        Fill(stats, start, 1, 100);
        var sentEarly = stats.At(1)!;
        var before = sentEarly.Buckets()!.Value;
        sentEarly.ReleaseBuckets();        // sent while open: nothing to keep once sealed
        Fill(stats, start, 4, 10);         // seals through second 1
        Assert.Null(sentEarly.Buckets());
        var notSent = stats.At(0)!.Buckets();
        Assert.NotNull(notSent);           // sealed before it was sent: its buckets wait for the send
        Assert.Equal(100, notSent.Value.Corrected.Count);
        Assert.Equal(100, before.Corrected.Count);
        stats.At(0)!.ReleaseBuckets();
        Assert.Null(stats.At(0)!.Buckets());
    }
}
