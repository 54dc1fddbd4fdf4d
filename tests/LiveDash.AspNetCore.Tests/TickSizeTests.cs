using System.Buffers;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace LiveDash.AspNetCore.Tests;

public class TickSizeTests
{
    const int Limit = 32 * 1024;
    const int LongRunName = 40;   // the store's limit on a load run's name

    static int WireSize(Tick tick)
    {
        var protocol = new JsonHubProtocol();
        var buffer = new ArrayBufferWriter<byte>();
        protocol.WriteMessage(new StreamItemMessage("1", new TickFrame(long.MaxValue, tick)), buffer);
        return buffer.WrittenCount;
    }

    [Fact]
    public void AWorstCaseTickFitsIn32KB()
    {
        var route = new string('r', TelemetryRecorder.MaxRouteLength);
        var entry = new WaterfallEntry
        {
            Start = -123456.78, Queued = 12345.67, Total = 123456.78, Status = 503, Mode = 2, Route = route,
            Db = [.. Enumerable.Repeat(12345.67, TelemetryRecorder.MaxRoundTripsShown * 2)],
            Labels = [.. Enumerable.Range(0, TelemetryRecorder.MaxRoundTripsShown).Select(i => TelemetryAggregator.MaxRoundTripLabels - 1 - i)],
        };
        var tick = new Tick
        {
            Seq = long.MaxValue, UnixMs = 1_800_000_000_000, IntervalMs = 250.1, Mode = 2,
            Ok = 123456, Errors = 123456, Rps = 123456.7, InFlight = 12345, Percentiles = [12345.67, 12345.67, 12345.67, 12345.67, 12345.67],
            Threads = 1000, QueuedWorkItems = 123456, CompletedWorkItemsPerSecond = 1234567, MinWorkerThreads = 1000,
            HeapMb = 12345.6, CpuPercent = 100,
            Histogram = [.. Enumerable.Repeat(1_000_000, TelemetryAggregator.HistogramEdgesMs.Length + 1)],
            Waterfall = [.. Enumerable.Repeat(entry, TelemetryRecorder.WaterfallSize)],
            RoundTripLabels = [.. Enumerable.Repeat(new string('l', 24), TelemetryAggregator.MaxRoundTripLabels)],
            Changes = [.. Enumerable.Repeat(new ChangeMessage(1_800_000_000_000, "api", "minThreads", "default (2)", "1000"), 16)],
            ClientTicks = [.. Enumerable.Repeat(new ClientTick(new string('n', LongRunName), 1_800_000_000_000, 12345.67, 12345.67, 12345.67, 123456), 32)],
            Extra = new() { ["lat"] = 5000, ["mts"] = 1000, ["db"] = new long[] { 250, 250, 1000 } },
            Modes = [.. Enumerable.Range(0, 3).Select(m => new ModeSummary(m, 123456789, 12345.6, 12345.6, 12345.67, 12345.67, 12345.67, 1000))],
        };

        var size = WireSize(tick);

        Assert.True(size <= Limit, $"a worst-case tick is {size} bytes on the wire, over {Limit}");
    }

    [Fact]
    public void ARealTickWithAFullWaterfallFitsIn32KB()
    {
        using var kit = new TelemetryTestKit();
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        context.Request.Path = "/api/products/search/with/a/rather/long/path/that/is/cut";
        for (var i = 0; i < 5000; i++) kit.Recorder.RequestCompleted(TelemetryTestKit.Finished(1000 + i * 37, roundTrips: 2), context);

        var tick = kit.Aggregator.Collect();

        Assert.Equal(TelemetryRecorder.WaterfallSize, tick.Waterfall!.Length);
        Assert.All(tick.Waterfall, e => Assert.Equal(TelemetryRecorder.MaxRouteLength, e.Route.Length));
        Assert.InRange(WireSize(tick), 1, Limit);
    }
}
