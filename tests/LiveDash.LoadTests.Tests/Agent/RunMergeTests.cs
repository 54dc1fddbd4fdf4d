using System.Text.Json;
using LiveDash.LoadTests.Agent;
using LiveDash.LoadTests.Reports;

namespace LiveDash.LoadTests.Tests.Agent;

public class RunMergeTests
{
    static LatencyHistogram Histogram(Random random, int count, long low, long high)
    {
        var h = new LatencyHistogram();
        for (var i = 0; i < count; i++) h.Record(random.NextInt64(low, high));
        return h;
    }

    static RunSecond Second(string run, int second, LatencyHistogram h) => new(run, second, h.Count, 0, 0, WireHistogram.Of(h), WireHistogram.Of(h), null);

    [Fact]
    public void AHistogramSurvivesTheWireExactly()
    {
        var original = Histogram(new Random(1), 5_000, 100, 2_000_000);
        var json = ((AgentMessage)Second("r", 0, original)).ToUtf8();
        var back = (RunSecond)AgentMessage.Parse(json)!;
        var copy = back.Corrected.ToHistogram();

        Assert.Equal(original.Count, copy.Count);
        Assert.Equal(original.Max, copy.Max);
        Assert.Equal(original.Min, copy.Min);
        Assert.Equal(original.Mean, copy.Mean);
        foreach (var p in new[] { 1, 50, 90, 99, 99.9 }) Assert.Equal(original.ValueAtPercentile(p), copy.ValueAtPercentile(p));
    }

    [Fact]
    public void TheMergedP99IsThatOfTheUnionNotTheAverageOfTheAgents()
    {
        // One fast agent, one slow one: averaging their p99s would land where neither agent's requests are.
        var random = new Random(2);
        var fast = Histogram(random, 9_000, 1_000, 2_000);
        var slow = Histogram(random, 1_000, 100_000, 200_000);
        var merge = new RunMerge("url", "test", openModel: true, DateTimeOffset.Now);
        merge.AddAgent("fast");
        merge.AddAgent("slow");
        merge.Add("fast", Second("r", 0, fast));
        merge.Add("slow", Second("r", 0, slow));

        var union = new LatencyHistogram();
        union.Add(fast);
        union.Add(slow);
        var totals = merge.Totals();
        Assert.Equal(Math.Round(union.ValueAtPercentile(99) / 1000.0, 3), totals.P99);
        Assert.Equal(Math.Round(union.ValueAtPercentile(50) / 1000.0, 3), totals.P50);
        var averaged = (fast.ValueAtPercentile(99) + slow.ValueAtPercentile(99)) / 2000.0;
        Assert.True(Math.Abs(totals.P99 - averaged) > 10, $"merged {totals.P99} ms, averaged {averaged} ms");
        Assert.Equal(10_000, totals.RequestsPerSecond); // the last second every agent reported, summed

        // Once both have reported a later second (or ended), second 0 is kept as its figures only: still the union's.
        merge.Add("fast", Second("r", 1, fast));
        merge.Add("slow", Second("r", 1, slow));
        var first = merge.Result("Async", "completed").PerSecond[0];
        Assert.Equal(10_000, first.Requests);
        Assert.Equal(Math.Round(union.ValueAtPercentile(99) / 1000.0, 3), first.P99);
        Assert.Equal(Math.Round(union.ValueAtPercentile(90) / 1000.0, 3), first.P90);
        Assert.Equal(Math.Round(union.Max / 1000.0, 3), first.Max);
        Assert.Equal(first.P99, merge.Second(0)!.P99);
        Assert.Equal(2, merge.Second(0)!.Agents.Count);
    }

    [Fact]
    public void AnHourOfSecondsAt100PerSecondIsKeptInAFewMegabytes()
    {
        // Every instance of a farm keeps every second of a run (for its report), and up to 20 ended runs: an hour-long
        // run kept as the agents' wire form cost 23 MB at 100/s. Its final seconds are kept as summaries (1.5 MB).
        var random = new Random(5);
        var merge = new RunMerge("orders", "test", openModel: true, DateTimeOffset.Now);
        merge.AddAgent("local");
        var histograms = Enumerable.Range(0, 64).Select(_ => Histogram(random, 100, 50_000, 90_000)).ToArray();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        // Each second as an agent's message arrives: histograms of its own (parsed from the wire), kept or not by the merge.
        for (var i = 0; i < 3600; i++) merge.Add("local", Second("r", i, histograms[i % histograms.Length]));
        var kept = GC.GetTotalMemory(forceFullCollection: true) - before;
        GC.KeepAlive(histograms);
        Assert.Equal(360_000, merge.Totals().Requests);
        Assert.True(kept < 2 * 1024 * 1024, $"an hour of seconds at 100/s kept {kept / 1024.0 / 1024:F1} MB");
    }

    [Fact]
    public void TheReportNamesEachAgentWithItsShareAndUsesTheirWholeRunTotals()
    {
        var random = new Random(3);
        var merge = new RunMerge("url", "test", openModel: false, DateTimeOffset.Now);
        var totals = new Dictionary<string, LatencyHistogram>();
        foreach (var (name, count) in new[] { ("left", 300), ("right", 100) })
        {
            merge.AddAgent(name);
            var whole = new LatencyHistogram();
            for (var s = 0; s < 2; s++)
            {
                var h = Histogram(random, count / 2, 1_000, 50_000);
                whole.Add(h);
                merge.Add(name, Second("r", s, h));
            }
            totals[name] = whole;
            merge.End(name, new RunEnded("r", "completed", 2.0, whole.Count, 0, 0, WireHistogram.Of(whole), WireHistogram.Of(whole), null));
        }

        var result = merge.Result("Async", "completed");
        Assert.Equal(400, result.Requests);
        Assert.Equal(200, result.RequestsPerSecond);
        Assert.Equal(2, result.PerSecond.Count);
        Assert.Equal([("left", 300L), ("right", 100L)], result.Agents.Select(a => (a.Name, a.Requests)));
        var md = RunReport.Markdown(result);
        Assert.Contains("| left | 300 | 75% |", md);
        Assert.Contains("| right | 100 | 25% |", md);
        Assert.Contains("right", RunReport.Html(result));
    }

    [Fact]
    public void MessagesThatAreNotMessagesAreNull()
    {
        Assert.Null(AgentMessage.Parse("not json"u8));
        Assert.Null(AgentMessage.Parse("{\"type\":\"nonsense\"}"u8));
        Assert.IsType<StopRun>(AgentMessage.Parse(JsonSerializer.SerializeToUtf8Bytes<AgentMessage>(new StopRun("7"), AgentMessage.Json)));
    }
}
