using System.Diagnostics;
using System.Text.Json;
using LiveDash.Tests.Shared;

namespace LiveDash.AspNetCore.Tests.Threads;

/// <summary>
/// The sample's five endpoints under 20 closed-loop clients each, all at once: the summary's endpoints tell a thread
/// held blocked from one held on a CPU or waiting for one, and from a request that awaits holding none. Coarse bounds
/// (a loaded 2-core machine); bench/thread-time.sh prints the figures.
/// </summary>
[Collection(AloneCollection.Name)]
public class SampleThreadsHeldTests
{
    internal const int ClientsPerEndpoint = 20;
    internal static readonly string[] Endpoints = ["blocking", "async", "sync-over-async", "cpu", "lock"];

    /// <summary>Closed-loop clients on every endpoint at once, until <paramref name="stop"/> is cancelled.</summary>
    internal static Task Load(Uri baseAddress, CancellationToken stop) => Task.WhenAll(Endpoints.Select(async path =>
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = ClientsPerEndpoint, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        using var client = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
        await Task.WhenAll(Enumerable.Range(0, ClientsPerEndpoint).Select(async _ =>
        {
            while (!stop.IsCancellationRequested)
            {
                try { (await client.GetAsync(path, stop)).Dispose(); }
                catch (OperationCanceledException) { }
            }
        }));
    }));

    static JsonElement Endpoint(JsonElement summary, string route) =>
        summary.GetProperty("endpoints").EnumerateArray().FirstOrDefault(e => e.GetProperty("route").GetString() == route) is { ValueKind: JsonValueKind.Object } e
            ? e : throw new Xunit.Sdk.XunitException($"no {route} in {summary.GetProperty("endpoints")}");

    static double D(JsonElement e, string name) => e.GetProperty(name).GetDouble();

    [Fact]
    public async Task EachEndpointShowsHowItHoldsItsThreads()
    {
        await using var app = await SampleProcess.StartAsync(SampleProcess.SampleDll());
        using var stop = new CancellationTokenSource();
        var started = Stopwatch.StartNew();
        var load = Load(app.BaseAddress, stop.Token);
        await Task.Delay(TimeSpan.FromSeconds(9));
        var summary = await app.SummaryAsync(6);   // the last 6 completed seconds, all under load
        stop.Cancel();
        await load;
        var all = summary.GetProperty("endpoints").ToString();

        foreach (var route in new[] { "/blocking", "/sync-over-async" })
        {
            var e = Endpoint(summary, route);
            Assert.True(D(e, "requests") > 0, all);
            Assert.True(D(e, "blockedMs") >= 40, $"{route} sits blocked for its 50 ms: {e}");
            Assert.True(D(e, "onCpuMs") <= 5, $"{route} barely runs: {e}");
        }
        var async = Endpoint(summary, "/async");
        Assert.True(D(async, "onThreadMs") <= 5, $"/async holds no thread while it awaits: {async}");
        Assert.True(D(async, "awaitingMs") >= 45, async.ToString());

        var cpu = Endpoint(summary, "/cpu");
        Assert.True(D(cpu, "onCpuMs") + D(cpu, "runQueueMs") >= 0.8 * D(cpu, "onThreadMs"),
            $"/cpu is on a CPU or waiting for one, not blocked: {cpu}");

        var locked = Endpoint(summary, "/lock");
        var blockedIn = locked.GetProperty("blockedBy").EnumerateObject().MaxBy(p => p.Value.GetDouble());
        Assert.Equal("lock or wait", blockedIn.Name);
        Assert.True(D(locked, "blockedMs") >= 0.8 * D(locked, "onThreadMs"), locked.ToString());

        // Little's law per endpoint, and the threads held beside the pool's.
        double held = 0;
        foreach (var e in summary.GetProperty("endpoints").EnumerateArray())
        {
            var expected = D(e, "rps") * D(e, "onThreadMs") / 1000;
            Assert.InRange(D(e, "threadsHeld"), expected * 0.8 - 0.02, expected * 1.2 + 0.02);
            held += D(e, "threadsHeld");
        }
        var peak = summary.GetProperty("peakThreads").GetInt32();
        Assert.True(held <= peak + 2, $"{held:F1} threads held against a pool of at most {peak}: {all}");
        Assert.True(Endpoint(summary, "/blocking").GetProperty("threadsHeld").GetDouble() > D(async, "threadsHeld"), all);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(40), "the test stays bounded");
    }
}
