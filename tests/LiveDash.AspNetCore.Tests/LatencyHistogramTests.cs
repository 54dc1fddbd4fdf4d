
namespace LiveDash.AspNetCore.Tests;

public class LatencyHistogramTests
{
    static long Exact(long[] sorted, double percentile) =>
        sorted[Math.Max(1, (int)Math.Ceiling(percentile / 100.0 * sorted.Length)) - 1];

    [Theory]
    [InlineData(1)]
    [InlineData(42)]
    [InlineData(2024)]
    public void PercentilesAreWithinOnePercentOfExact(int seed)
    {
        var rng = new Random(seed);
        // Log-normal-ish latencies from 50 µs to minutes, the shape real request times have.
        var values = Enumerable.Range(0, 200_000).Select(_ => (long)Math.Exp(rng.NextDouble() * 14 + 4)).ToArray();
        var histogram = new LatencyHistogram();
        foreach (var v in values) histogram.Record(v);
        Array.Sort(values);

        foreach (var p in new[] { 1, 10, 50, 90, 95, 99, 99.9, 99.99, 100 })
        {
            var exact = Exact(values, p);
            var reported = histogram.ValueAtPercentile(p);
            Assert.True(Math.Abs(reported - exact) <= Math.Max(1, exact * 0.01), $"p{p}: reported {reported}, exact {exact}");
        }
        Assert.Equal(values.Length, histogram.Count);
        Assert.Equal(values[^1], histogram.Max);
        Assert.Equal(values[0], histogram.Min);
    }

    [Fact]
    public void SmallValuesAreExact()
    {
        var histogram = new LatencyHistogram();
        for (var v = 0; v < 256; v++) histogram.Record(v);
        Assert.Equal(127, histogram.ValueAtPercentile(50));
        Assert.Equal(255, histogram.ValueAtPercentile(100));
        Assert.Equal(0, histogram.ValueAtPercentile(0.1));
    }

    [Fact]
    public void BucketBoundsTileTheRangeWithoutGaps()
    {
        for (var i = 1; i < LatencyHistogram.BucketCount; i++)
            Assert.Equal(LatencyHistogram.HighestOf(i - 1) + 1, LatencyHistogram.LowestOf(i));
        foreach (var v in new long[] { 0, 255, 256, 257, 1000, 123_456_789, LatencyHistogram.MaxValue })
        {
            var index = LatencyHistogram.IndexOf(v);
            Assert.InRange(v, LatencyHistogram.LowestOf(index), LatencyHistogram.HighestOf(index));
        }
    }

    [Fact]
    public async Task ConcurrentRecordingCountsEveryValue()
    {
        var histogram = new LatencyHistogram();
        const int perThread = 250_000;
        var writers = Enumerable.Range(0, 4).Select(t => Task.Factory.StartNew(() =>
        {
            for (var i = 0; i < perThread; i++) histogram.Record(i % 5000 + t);
        }, TaskCreationOptions.LongRunning)).ToArray();
        await Task.WhenAll(writers);
        Assert.Equal(4 * perThread, histogram.Count);
        Assert.Equal(4L * perThread, histogram.Buckets().Sum(b => b.Count));
        Assert.Equal(4999 + 3, histogram.Max);
        Assert.Equal(0, histogram.Min);
    }

    [Fact]
    public void AddMergesAndResetEmpties()
    {
        var a = new LatencyHistogram();
        var b = new LatencyHistogram();
        a.Record(10);
        b.Record(1_000_000);
        a.Add(b);
        Assert.Equal(2, a.Count);
        Assert.Equal(1_000_000, a.Max);
        Assert.Equal(10, a.Min);
        a.Reset();
        Assert.Equal(0, a.Count);
        Assert.Equal(0, a.ValueAtPercentile(99));
        Assert.Empty(a.Buckets());
    }
}
