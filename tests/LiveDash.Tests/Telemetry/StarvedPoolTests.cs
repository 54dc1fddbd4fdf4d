using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Xunit.Abstractions;
using LiveDash.Tests.Shared;

namespace LiveDash.Tests.Telemetry;

/// <summary>
/// The reason end-to-end latency exists: in Sync mode a crowd starves the thread pool, and requests wait
/// for a thread before our first middleware sees them. The app runs in a process of its own, so the
/// starvation is its alone (and this test's clients keep their threads).
/// </summary>
public class StarvedPoolTests(ITestOutputHelper output)
{
    const string Password = "starved-pool-secret";
    const int Clients = 40;

    [Fact]
    public async Task UnderAStarvedPoolEndToEndShowsTheWaitThatInAppCannotSee()
    {
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(90)).Token;
        using var app = await AppProcess.StartAsync(Password, ct, ("LiveDash__Mode", "Sync"), ("LiveDash__DbLatencyMs", "50"));
        using var admin = app.Http(Password);

        var sync = await LoadAsync(app.BaseAddress, TimeSpan.FromSeconds(6), ct);
        var summary = await EndToEndLatencyTests.SummaryAfterQuietSecond(admin, seconds: 4, ct);
        output.WriteLine($"Sync: clients saw {sync.MeanMs:0} ms on average; server summary {summary}");
        var (endToEnd, inApp, waiting) = Means(summary);
        Assert.Equal("Sync", summary.GetProperty("mode").GetString());
        Assert.True(inApp >= 90, $"two 50 ms round trips take at least 100 ms in the app: {summary}");
        Assert.True(sync.MeanMs > 2 * inApp, $"the clients should have waited for threads: {sync.MeanMs:0} ms against {inApp} ms in the app");
        Assert.True(endToEnd > 2 * inApp, $"end to end must show the wait: {summary}");
        Assert.True(waiting > inApp, $"most of it is waiting for a thread: {summary}");
        Assert.InRange(endToEnd / sync.MeanMs, 0.5, 1.5);

        (await admin.PutAsJsonAsync("/admin/api/settings", new { mode = "Async" }, ct)).EnsureSuccessStatusCode();
        var warm = await LoadAsync(app.BaseAddress, TimeSpan.FromSeconds(2), ct);
        var async = await LoadAsync(app.BaseAddress, TimeSpan.FromSeconds(4), ct);
        summary = await EndToEndLatencyTests.SummaryAfterQuietSecond(admin, seconds: 3, ct);
        output.WriteLine($"Async: clients saw {async.MeanMs:0} ms (warm-up {warm.MeanMs:0}); server summary {summary}");
        (endToEnd, inApp, waiting) = Means(summary);
        Assert.Equal("Async", summary.GetProperty("mode").GetString());
        Assert.True(endToEnd - inApp < 30, $"with threads to spare the two agree: {summary}");
        Assert.True(waiting < 30, summary.ToString());
    }

    static (double EndToEnd, double InApp, double Waiting) Means(JsonElement summary) =>
        (summary.GetProperty("endToEnd").GetProperty("meanMs").GetDouble(),
         summary.GetProperty("inApp").GetProperty("meanMs").GetDouble(),
         summary.GetProperty("waitingForThread").GetProperty("meanMs").GetDouble());

    /// <summary>Closed-loop clients on /api/orders for a while; the mean latency they saw.</summary>
    internal static async Task<(double MeanMs, int Requests)> LoadAsync(Uri baseAddress, TimeSpan duration, CancellationToken ct)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = Clients, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        using var http = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var totals = await Task.WhenAll(Enumerable.Range(0, Clients).Select(async c =>
        {
            double sum = 0;
            var n = 0;
            while (Stopwatch.GetTimestamp() < until)
            {
                var start = Stopwatch.GetTimestamp();
                using var response = await http.GetAsync($"/api/orders?user={1 + c}", ct);
                Assert.True((int)response.StatusCode < 500, $"{response.StatusCode}");
                sum += Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                n++;
            }
            return (sum, n);
        }));
        var requests = totals.Sum(t => t.n);
        return (totals.Sum(t => t.sum) / Math.Max(1, requests), requests);
    }
}
