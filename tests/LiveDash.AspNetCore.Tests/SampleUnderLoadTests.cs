using System.Diagnostics;
using System.Text.Json;

namespace LiveDash.AspNetCore.Tests;

/// <summary>
/// The sample under 100 concurrent clients, its summary beside what the clients measured over the same seconds.
/// Coarse bounds only (the machine is shared); bench/library-sample.sh prints the exact figures.
/// </summary>
public class SampleUnderLoadTests
{
    const int Clients = 100;
    static readonly TimeSpan LoadFor = TimeSpan.FromSeconds(8);
    const int SummarySeconds = 5;

    sealed record Completed(long UnixMs, double Ms);

    /// <summary>Closed-loop load: each client sends its next request when the last one is answered.</summary>
    static async Task<List<Completed>> Load(Uri baseAddress, string path)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = Clients, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        using var client = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
        var stopAt = Stopwatch.GetTimestamp() + (long)(LoadFor.TotalSeconds * Stopwatch.Frequency);
        var results = new List<Completed>();
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(async _ =>
        {
            var mine = new List<Completed>();
            while (Stopwatch.GetTimestamp() < stopAt)
            {
                var start = Stopwatch.GetTimestamp();
                using var response = await client.GetAsync(path);
                await response.Content.ReadAsByteArrayAsync();
                response.EnsureSuccessStatusCode();
                mine.Add(new Completed(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), Stopwatch.GetElapsedTime(start).TotalMilliseconds));
            }
            lock (results) results.AddRange(mine);
        }));
        return results;
    }

    /// <summary>After the load: the summary of the last completed seconds, and the clients' mean over the same seconds.</summary>
    static async Task<(JsonElement Summary, double ClientMeanMs, int ClientRequests)> SummaryBeside(SampleProcess app, List<Completed> done)
    {
        await Task.Delay(1200);   // the second the load ended in completes
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var summary = await app.SummaryAsync(SummarySeconds);
        var newestEnd = now / 1000 * 1000;   // the summary covers whole seconds before the current one
        var from = newestEnd - SummarySeconds * 1000;
        var same = done.Where(c => c.UnixMs >= from && c.UnixMs < newestEnd).ToList();
        Assert.True(same.Count > 50, $"only {same.Count} client requests completed in the summary's seconds");
        return (summary, same.Average(c => c.Ms), same.Count);
    }

    static double Mean(JsonElement summary, string part) => summary.GetProperty(part).GetProperty("meanMs").GetDouble();

    [Fact]
    public async Task BlockingHandlersShowTheWaitForAThreadAndEndToEndMatchesTheClients()
    {
        await using var app = await SampleProcess.StartAsync(SampleProcess.SampleDll());
        var done = await Load(app.BaseAddress, "blocking");
        var (summary, clientMean, clientRequests) = await SummaryBeside(app, done);

        var endToEnd = Mean(summary, "endToEnd");
        var inApp = Mean(summary, "inApp");
        var waiting = Mean(summary, "waitingForThread");
        var figures = $"end to end {endToEnd} ms, in app {inApp} ms, waiting for a thread {waiting} ms; clients {clientMean:F1} ms over {clientRequests} requests";
        Assert.True(summary.GetProperty("requests").GetInt64() > 0, figures);
        Assert.True(inApp >= 45, "a blocking request holds its thread 50 ms: " + figures);
        Assert.True(waiting > inApp, "starved: the wait for a thread should outgrow the handler's own time: " + figures);
        Assert.InRange(endToEnd, clientMean * 0.5, clientMean * 1.5);
        Assert.Equal("measured", summary.GetProperty("endToEnd").GetProperty("source").GetString());
    }

    [Fact]
    public async Task AwaitingHandlersWaitForNoThread()
    {
        await using var app = await SampleProcess.StartAsync(SampleProcess.SampleDll());
        var done = await Load(app.BaseAddress, "async");
        var (summary, clientMean, clientRequests) = await SummaryBeside(app, done);

        var endToEnd = Mean(summary, "endToEnd");
        var inApp = Mean(summary, "inApp");
        var waiting = Mean(summary, "waitingForThread");
        var figures = $"end to end {endToEnd} ms, in app {inApp} ms, waiting for a thread {waiting} ms; clients {clientMean:F1} ms over {clientRequests} requests";
        Assert.True(inApp >= 45, "an awaiting request takes its 50 ms: " + figures);
        // Coarse: the bench holds these within 25 %; here a shared machine may add a few ms of scheduling.
        Assert.InRange(endToEnd, inApp, inApp * 1.5 + 10);
        Assert.True(waiting < inApp, figures);
    }
}
