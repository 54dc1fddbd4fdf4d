using System.Text;
using LiveDash.Farm;
using LiveDash.Telemetry;

namespace LiveDash.Tests.Farm;

public class FarmTickCodecTests
{
    static Tick SampleTick(long requests) => new()
    {
        Seq = long.MaxValue, UnixMs = long.MaxValue, IntervalMs = 250.5, Mode = 2, Ok = requests, Errors = requests, InFlight = long.MaxValue,
        InAppPercentiles = [1e12, 1e12, 1e12, 1e12, 1e12], WaitForThread = [1e12, 1e12], Threads = int.MaxValue,
        QueuedWorkItems = long.MaxValue, MinWorkerThreads = int.MaxValue, CpuPercent = 100,
        Extra = new() { ["db"] = new[] { long.MaxValue, long.MaxValue, long.MaxValue } },
    };

    [Fact]
    public void TheWorstCaseTickStillFitsANotifyPayload()
    {
        // Every bucket of the histogram filled with huge counts, the longest names: the most a tick can carry.
        var histogram = new LatencyHistogram();
        for (var i = 0; i < LatencyHistogram.BucketCount; i++)
        {
            var value = LatencyHistogram.LowestOf(i);
            for (var n = 0; n < 3; n++) histogram.Record(value);
        }
        var snapshot = histogram.TakeSnapshot();
        snapshot = snapshot with { Counts = [.. snapshot.Counts.Select(_ => long.MaxValue / LatencyHistogram.BucketCount)] };
        var instance = new string('é', FarmStatus.MaxNameLength);
        var url = "http://" + new string('x', 193);
        var tick = FarmTickCodec.From(SampleTick(long.MaxValue / 4), snapshot, instance, url);

        var payload = FarmMessage.Tick(FarmTickCodec.Encode(tick, snapshot));

        Assert.True(Encoding.UTF8.GetByteCount(payload) < 8000, $"{Encoding.UTF8.GetByteCount(payload)} bytes");
        var decoded = FarmTickCodec.Decode(payload[1..]);
        Assert.NotNull(decoded);
        Assert.Equal(instance, decoded.Instance);
        Assert.NotEmpty(decoded.BucketCounts);
    }

    [Fact]
    public void MergedTicksGiveTheFarmsPercentilesNotAnAverageOfTheInstances()
    {
        // One fast instance, one slow one: the farm's p50 lies between them, its p99 is the slow one's.
        var fast = new LatencyHistogram();
        var slow = new LatencyHistogram();
        for (var i = 0; i < 900; i++) fast.Record(10_000 + i);        // 10 ms
        for (var i = 0; i < 100; i++) slow.Record(900_000 + i * 10);  // 900 ms
        var merged = new LatencyHistogram();
        foreach (var h in new[] { fast, slow })
        {
            var snapshot = h.TakeSnapshot();
            var decoded = FarmTickCodec.Decode(FarmTickCodec.Encode(FarmTickCodec.From(SampleTick(h.Count), snapshot, "x", ""), snapshot))!;
            Assert.Equal(0, decoded.Coarsened);
            decoded.AddTo(merged);
        }
        Assert.Equal(1000, merged.Count);
        Assert.InRange(merged.ValueAtPercentile(50), 10_000, 10_900 * 1.01);
        Assert.InRange(merged.ValueAtPercentile(99), 900_000 * 0.99, 901_000 * 1.01);
    }

    [Fact]
    public void AHistogramTooFineForThePayloadIsCoarsenedNotDropped()
    {
        var h = new LatencyHistogram();
        for (var v = 1_000L; v < 5_000_000; v = v * 101 / 100 + 1) h.Record(v);
        var snapshot = h.TakeSnapshot();
        var decoded = FarmTickCodec.Decode(FarmTickCodec.Encode(FarmTickCodec.From(SampleTick(h.Count), snapshot, "x", ""), snapshot))!;
        Assert.InRange(decoded.Coarsened, 1, 7);
        var back = new LatencyHistogram();
        decoded.AddTo(back);
        Assert.Equal(h.Count, back.Count);
        foreach (var p in new[] { 50.0, 90, 99 })
            Assert.InRange(back.ValueAtPercentile(p), h.ValueAtPercentile(p) * 0.9, h.ValueAtPercentile(p) * 1.1);
    }
}
