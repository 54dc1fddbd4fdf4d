using System.Net.Http.Json;
using System.Text.Json;
using LiveDash.Telemetry;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Xunit.Abstractions;
using LiveDash.Tests.Shared;

namespace LiveDash.Tests.Telemetry;

/// <summary>
/// OTLP export, read back from a real Aspire dashboard: under a starved pool (Sync) every traced
/// /api/orders request shows its wait for a thread before the app, and its database round trips.
/// </summary>
public class OpenTelemetryTests(ITestOutputHelper output)
{
    const string Password = "otel-secret";
    const string ServerSpan = "GET /api/orders";

    [Fact]
    public async Task TracesInTheAspireDashboardShowTheWaitForAThreadBeforeTheApp()
    {
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(150)).Token;
        using var dashboard = await AspireDashboard.StartAsync(ct);
        var service = "livedash-test-" + Guid.NewGuid().ToString("N")[..8];
        using var app = await AppProcess.StartAsync(Password, ct, ("LiveDash__Mode", "Sync"), ("LiveDash__DbLatencyMs", "50"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", dashboard.OtlpGrpc.ToString()), ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            ("OTEL_SERVICE_NAME", service), ("OTEL_BSP_SCHEDULE_DELAY", "500"), ("LiveDash__Instance", "otel-test-1"));
        using var admin = app.Http(Password);

        var sync = await StarvedPoolTests.LoadAsync(app.BaseAddress, TimeSpan.FromSeconds(6), ct);
        // The whole load (6 s, then 2.2 quiet), as the spans are: the pool grows during it, so a later window alone waits less.
        var summary = await EndToEndLatencyTests.SummaryAfterQuietSecond(admin, seconds: 10, ct);
        var spans = await SettledSpansAsync(dashboard, service, ct);
        var requests = Requests(spans, "Sync");
        output.WriteLine($"Sync: {sync.Requests} requests, {requests.Count} traced; clients saw {sync.MeanMs:0} ms; summary {summary}");
        Assert.True(requests.Count >= sync.Requests / 2, $"{requests.Count} of {sync.Requests} requests traced");
        var complete = requests.Where(r => r.Wait is not null && r.Database.Count >= 2).ToList();
        Assert.True(complete.Count >= requests.Count * 9 / 10, $"only {complete.Count} of {requests.Count} have a wait span and two Npgsql spans");
        Assert.All(complete, r =>
        {
            // The server span starts where the bytes reached the socket: with its wait, not after it.
            Assert.InRange(r.Wait!.StartNs - r.Server.StartNs, -1_000_000, 1_000_000);
            Assert.Equal("thread pool", r.Server.Attributes[TelemetryActivities.GroupAttribute]);
        });
        // Time on a thread on the server span: Sync holds its thread blocked through both round trips.
        var onThread = complete.Where(r => r.Server.Attributes.ContainsKey(TelemetryActivities.OnThreadAttribute)).ToList();
        Assert.True(onThread.Count >= complete.Count * 9 / 10, $"only {onThread.Count} of {complete.Count} carry {TelemetryActivities.OnThreadAttribute}");
        var onThreadMean = onThread.Average(r => double.Parse(r.Server.Attributes[TelemetryActivities.OnThreadAttribute], System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(onThreadMean >= 80, $"two 50 ms round trips on the thread, {onThreadMean:0} ms");
        Assert.True(onThread.Count(r => r.Server.Attributes.GetValueOrDefault(TelemetryActivities.BlockedInAttribute) == "wait inside a database call") >= onThread.Count / 2,
            "Sync's threads sit blocked in a wait inside a database call");
        var waitMean = complete.Average(r => r.Wait!.DurationMs);
        var sendMean = complete.Average(r => r.Send?.DurationMs ?? 0);
        var inApp = summary.GetProperty("inApp").GetProperty("meanMs").GetDouble();
        var measured = summary.GetProperty("waitingForThread").GetProperty("meanMs").GetDouble();
        var measuredSend = summary.GetProperty("waitingToSend").GetProperty("meanMs").GetDouble();
        output.WriteLine($"'waiting for a thread' mean {waitMean:0} ms against the summary's waitingForThread {measured:0} ms; "
            + $"'waiting for a thread to send' {sendMean:0} ms against waitingToSend {measuredSend:0} ms");
        Assert.True(waitMean > inApp, $"starved, the wait ({waitMean:0} ms) outweighs the app's own time ({inApp:0} ms)");
        // The span and the summary measure the same wait (bytes received → first middleware), each over its own requests.
        Assert.InRange(waitMean / measured, 0.75, 1.25);
        Assert.True(Math.Abs(sendMean - measuredSend) <= Math.Max(20, 0.25 * measuredSend), $"to send: spans {sendMean:0} ms, summary {measuredSend:0} ms");

        (await admin.PutAsJsonAsync("/admin/api/settings", new { mode = "Async" }, ct)).EnsureSuccessStatusCode();
        // A bounded number of requests: at Async's pace a timed run would send the dashboard tens of thousands of spans.
        using (var http = new HttpClient { BaseAddress = app.BaseAddress, Timeout = TimeSpan.FromSeconds(30) })
            await Task.WhenAll(Enumerable.Range(0, 10).Select(async c =>
            {
                for (var i = 0; i < 30; i++) (await http.GetAsync($"/api/orders?user={1 + c}", ct)).EnsureSuccessStatusCode();
            }));
        var async = Requests(await SettledSpansAsync(dashboard, service, ct), "Async").Where(r => r.Wait is not null).ToList();
        Assert.True(async.Count > 100, $"{async.Count} of 300 Async requests traced with their wait");
        var asyncWait = async.Skip(async.Count / 3).Average(r => r.Wait!.DurationMs);   // after the first third: the pool has settled
        output.WriteLine($"Async: {async.Count} traced, 'waiting for a thread' mean {asyncWait:0.0} ms");
        Assert.True(asyncWait < 30, $"with threads to spare the wait is short: {asyncWait:0.0} ms");

        // Two workers in Sync: 20 requests at once queue for them, and their traces say so.
        (await admin.PutAsJsonAsync("/admin/api/settings", new { mode = "Sync", workers = 2 }, ct)).EnsureSuccessStatusCode();
        using (var http = new HttpClient { BaseAddress = app.BaseAddress, Timeout = TimeSpan.FromSeconds(30) })
            await Task.WhenAll(Enumerable.Range(0, 20).Select(async c => (await http.GetAsync($"/api/orders?user={1 + c % 10}", ct)).EnsureSuccessStatusCode()));
        var children = (await SettledSpansAsync(dashboard, service, ct)).Where(s => s.ParentId is not null).ToLookup(s => s.ParentId!);
        var onWorkers = (await dashboard.SpansAsync(service, ct))
            .Where(s => s.Name == ServerSpan && s.Attributes.GetValueOrDefault(TelemetryActivities.GroupAttribute) == "2 workers").ToList();
        var queued = onWorkers.Select(s => children[s.Id].FirstOrDefault(c => c.Name == LiveDash.Store.Workers.WorkerDispatchMiddleware.QueuedSpanName)).OfType<AspireDashboard.Span>().ToList();
        output.WriteLine($"2 workers: {onWorkers.Count} traced, {queued.Count} 'queued for a worker', longest {queued.Max(q => q.DurationMs):0} ms");
        Assert.Equal(20, onWorkers.Count);
        Assert.Equal(20, queued.Count);
        // Ten rounds of two 50 ms round trips on two workers: the last waits for about nine rounds.
        Assert.True(queued.Max(q => q.DurationMs) > 300, $"the longest wait for a worker: {queued.Max(q => q.DurationMs):0} ms");
    }

    [Fact]
    public async Task TheLiveDashMeterRecordsHistogramsAndCountersInOpenTelemetrysConventions()
    {
        var exported = new List<Metric>();
        using var meters = Sdk.CreateMeterProviderBuilder().AddMeter(LiveDashFeed.MeterName).AddInMemoryExporter(exported).Build();
        using var app = new LiveDashApp();
        using var client = app.CreateClient();
        for (var i = 0; i < 20; i++) (await client.GetAsync("/api/ping")).EnsureSuccessStatusCode();
        meters.ForceFlush();

        var duration = exported.Last(m => m.Name == "livedash.request.duration");
        Assert.Equal(MetricType.Histogram, duration.MetricType);
        Assert.Equal("s", duration.Unit);
        long count = 0;
        foreach (ref readonly var point in duration.GetMetricPoints())
        {
            count += point.GetHistogramCount();
            Assert.True(point.GetHistogramSum() > 0);
            var bounds = new List<double>();
            foreach (var bucket in point.GetHistogramBuckets()) bounds.Add(bucket.ExplicitBound);
            Assert.Contains(60, bounds);   // seconds, stretched for a starved pool, not the SDK's millisecond defaults
        }
        Assert.True(count >= 20, $"{count} latencies recorded for 20 requests");
        var requests = exported.Last(m => m.Name == "livedash.requests");
        Assert.Equal(MetricType.LongSum, requests.MetricType);
        long total = 0;
        foreach (ref readonly var point in requests.GetMetricPoints()) total += point.GetSumLong();
        Assert.True(total >= 20, $"{total} requests counted for 20");
        Assert.DoesNotContain(exported, m => m.Name.StartsWith("livedash.latency.p", StringComparison.Ordinal));
    }

    sealed record TracedRequest(AspireDashboard.Span Server, AspireDashboard.Span? Wait, AspireDashboard.Span? Send, IReadOnlyList<AspireDashboard.Span> Database);

    static List<TracedRequest> Requests(IReadOnlyList<AspireDashboard.Span> spans, string mode)
    {
        var children = spans.Where(s => s.ParentId is not null).ToLookup(s => s.ParentId!);
        return spans.Where(s => s.Name == ServerSpan && s.Attributes.GetValueOrDefault(TelemetryActivities.ModeAttribute) == mode)
            .OrderBy(s => s.StartNs)
            .Select(s => new TracedRequest(s,
                children[s.Id].FirstOrDefault(c => c.Name == TelemetryActivities.WaitingForThreadName),
                children[s.Id].FirstOrDefault(c => c.Name == TelemetryActivities.WaitingToSendName),
                children[s.Id].Where(c => c.Scope == "Npgsql").ToList()))
            .ToList();
    }

    /// <summary>The service's spans once the exporter has caught up (two reads a second apart agree on the requests' spans).</summary>
    static async Task<IReadOnlyList<AspireDashboard.Span>> SettledSpansAsync(AspireDashboard dashboard, string service, CancellationToken ct)
    {
        var last = -1;
        IReadOnlyList<AspireDashboard.Span> spans = [];
        for (var i = 0; i < 30; i++)
        {
            await Task.Delay(1000, ct);
            spans = await dashboard.SpansAsync(service, ct);
            var requests = spans.Count(s => s.Name == ServerSpan || s.ParentId is not null);
            if (requests == last && requests > 0) break;
            last = requests;
        }
        return spans;
    }
}
