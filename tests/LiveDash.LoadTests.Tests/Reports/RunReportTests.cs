using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using LiveDash.LoadTests.Reports;
using LiveDash.LoadTests.Running;
using LiveDash.LoadTests.Scenarios;
using LiveDash.AspNetCore;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace LiveDash.LoadTests.Tests.Reports;

[Collection(TimingCollection.Name)]
public sealed class RunReportTests : IDisposable
{
    readonly string _folder = Directory.CreateTempSubdirectory("report-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    async Task<RunResult> ShortRun()
    {
        var n = 0;
        await using var server = await StubServer.StartAsync(app => app.MapGet("/mixed", () =>
            Interlocked.Increment(ref n) % 10 == 0 ? Results.StatusCode(503) : Results.Ok("ok")));
        using var http = LoadHttp.Create(10);
        var scenario = new Scenario("mixed", "", [new ScenarioStep("mixed", "/mixed")], [new Inject(100, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2))],
            new Dictionary<string, ScenarioVariable>(), [Threshold.TryParse("errors < 1%", out var t) ? t! : throw new InvalidOperationException()]);
        return await new LoadRunner(http, server.Address, scenario, RunLimits.Default).RunAsync(CancellationToken.None);
    }

    [Fact]
    public async Task TheReportFilesHoldTheRunsFigures()
    {
        var result = await ShortRun();

        RunReport.Write(result, _folder);

        var csv = File.ReadAllLines(Path.Combine(_folder, "stats.csv"));
        Assert.Equal("second,requests,errors,dropped,p50_ms,p90_ms,p99_ms,max_ms,raw_p50_ms,raw_p99_ms,errors_by_kind", csv[0]);
        var rows = csv.Skip(1).Select(line => line.Split(',')).ToList();
        Assert.All(rows, r => Assert.Equal(11, r.Length));
        Assert.All(rows, r => Assert.True(double.TryParse(r[6], NumberStyles.Float, CultureInfo.InvariantCulture, out _)));
        Assert.Equal(result.Requests, rows.Sum(r => long.Parse(r[1], CultureInfo.InvariantCulture)));
        Assert.Equal(result.Errors, rows.Sum(r => long.Parse(r[2], CultureInfo.InvariantCulture)));
        Assert.Contains(rows, r => r[10].StartsWith("503:"));

        var html = File.ReadAllText(Path.Combine(_folder, "report.html"));
        var json = Regex.Match(html, "<script id=\"run-data\" type=\"application/json\">(.*?)</script>", RegexOptions.Singleline).Groups[1].Value;
        var data = JsonDocument.Parse(json).RootElement;
        Assert.Equal(result.Requests, data.GetProperty("requests").GetInt64());
        Assert.Equal(result.PerSecond.Count, data.GetProperty("perSecond").GetArrayLength());
        Assert.True(html.Contains("new Chart(") || html.Contains("Charts need Chart.js"));
        Assert.Contains("FAILED", html);

        var md = File.ReadAllText(Path.Combine(_folder, "report.md"));
        Assert.Contains("| measure | from intended start (ms) | from actual send (ms) |", md);
        Assert.Matches(@"\| p99 \| [0-9.]+ \| [0-9.]+ \|", md);
        Assert.Contains($"| requests | {result.Requests} |", md);
        Assert.Contains("| errors < 1% |", md);
    }

    [Fact]
    public async Task ErrorsAreCountedByStatus()
    {
        var result = await ShortRun();

        Assert.InRange(result.Requests, 195, 200);
        Assert.Equal(result.Errors, result.ErrorsByKind["503"]);
        Assert.InRange(result.ErrorPercent, 9, 11);
        Assert.False(result.ThresholdsPassed);
    }
}

public class ReportChartTests
{
    static RunResult Result(double seconds, IReadOnlyList<SecondSummary> perSecond, IReadOnlyList<HistogramBar> histogram) =>
        new("t", "http://127.0.0.1:1", "Async", DateTimeOffset.UnixEpoch, seconds, perSecond.Sum(s => s.Requests), 0, 0,
            LatencySummary.Of(new LatencyHistogram()), LatencySummary.Of(new LatencyHistogram()), new Dictionary<string, long>(),
            perSecond, histogram, "completed", true);

    static SecondSummary Second(int s, long requests) => new(s, requests, 0, 0, 50, 60, 70, 80, 50, 70, new Dictionary<string, long>());

    [Fact]
    public void TheHistogramHasAtLeastTwentyLogSpacedBinsWhereTheDataSpansThem()
    {
        var histogram = new LatencyHistogram();
        foreach (var ms in new[] { 48, 49, 50, 50, 51, 52, 55, 120 }) histogram.Record(ms * 1000);
        var source = histogram.Buckets().Select(b => new HistogramBar(b.Low / 1000.0, b.High / 1000.0, b.Count)).ToList();

        var bins = RunReport.LogBins(source);

        Assert.InRange(bins.Count, 20, 30);
        Assert.Equal(8, bins.Sum(b => b.Count));
        var ratios = bins.Select(b => b.HighMs / b.LowMs).ToList();
        Assert.All(ratios, r => Assert.Equal(ratios[0], r, 6));
        Assert.All(bins.Zip(bins.Skip(1)), pair => Assert.Equal(pair.First.HighMs, pair.Second.LowMs, 6));
        Assert.True(bins[0].LowMs <= 48 && bins[^1].HighMs >= 120);
    }

    [Fact]
    public void LinesAreStraightAndThePartialLastSecondIsMarkedNotDrawnAsADrop()
    {
        var result = Result(3.4, [Second(0, 200), Second(1, 200), Second(2, 200), Second(3, 80)], [new HistogramBar(50, 50.4, 680)]);

        Assert.Equal(0.4, RunReport.PartialLastSecond(result)!.Value, 3);
        Assert.Null(RunReport.PartialLastSecond(Result(3.0, [Second(0, 200), Second(1, 200), Second(2, 200)], [])));
        var html = RunReport.Html(result);
        Assert.DoesNotMatch(@"tension:\s*0\.\d", html);
        Assert.Contains("tension: 0,", html);
        var json = Regex.Match(html, "<script id=\"run-data\" type=\"application/json\">(.*?)</script>", RegexOptions.Singleline).Groups[1].Value;
        var data = JsonDocument.Parse(json).RootElement;
        Assert.Equal(0.4, data.GetProperty("partialLastSecond").GetDouble(), 3);
        Assert.True(data.GetProperty("bins").GetArrayLength() >= 1);
    }
}
