using System.Collections.Concurrent;
using System.Diagnostics;
using LiveDash.LoadTests.Running;
using LiveDash.LoadTests.Scenarios;
using Microsoft.AspNetCore.Builder;

namespace LiveDash.LoadTests.Tests.Running;

[Collection(TimingCollection.Name)]
public class InjectTests
{
    static Scenario OnePath(string path, params LoadSimulation[] simulations) =>
        new("test", "", [new ScenarioStep("hit", path)], simulations, new Dictionary<string, ScenarioVariable>(), []);

    [Fact]
    public async Task InjectArrivalRateIsWithinTwoPercentOfTheTarget()
    {
        var arrivals = new ConcurrentQueue<long>();
        await using var server = await StubServer.StartAsync(app => app.MapGet("/hit", () =>
        {
            arrivals.Enqueue(Stopwatch.GetTimestamp());
            return "ok";
        }));
        using var http = LoadHttp.Create(100);
        var scenario = OnePath("/hit", new Inject(200, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3)));

        var result = await new LoadRunner(http, server.Address, scenario, RunLimits.Default).RunAsync(CancellationToken.None);

        var times = arrivals.Order().ToArray();
        var rate = (times.Length - 1) / Stopwatch.GetElapsedTime(times[0], times[^1]).TotalSeconds;
        Assert.InRange(times.Length, 588, 612);
        Assert.InRange(rate, 196, 204);
        Assert.Equal(times.Length, result.Requests);
        Assert.Equal(0, result.Dropped);
    }

    [Fact]
    public void RampingInjectArrivalsFollowTheRamp()
    {
        var timeline = new LoadTimeline([new RampingInject(200, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)), new Inject(100, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1))]);

        var arrivals = timeline.Arrivals(timeline.Length).ToList();

        // 0 → 200/s over 2 s is 200 arrivals, a quarter of them in the first second; then 100 more.
        Assert.InRange(arrivals.Count(t => t < 2), 199, 200);
        Assert.InRange(arrivals.Count(t => t < 1), 49, 51);
        Assert.InRange(arrivals.Count(t => t >= 2), 99, 100);
        Assert.Equal(arrivals.Order(), arrivals);
    }

    [Fact]
    public async Task KeepConstantRunsExactlyTheGivenNumberOfCopiesAtOnce()
    {
        var current = 0;
        var peak = 0;
        await using var server = await StubServer.StartAsync(app => app.MapGet("/slow", async () =>
        {
            var now = Interlocked.Increment(ref current);
            int seen;
            while (now > (seen = Volatile.Read(ref peak)) && Interlocked.CompareExchange(ref peak, now, seen) != seen) { }
            await Task.Delay(20);
            Interlocked.Decrement(ref current);
            return "ok";
        }));
        using var http = LoadHttp.Create(5);
        var scenario = OnePath("/slow", new KeepConstant(5, TimeSpan.FromSeconds(1)));

        var result = await new LoadRunner(http, server.Address, scenario, RunLimits.Default).RunAsync(CancellationToken.None);

        Assert.Equal(5, peak);
        // 5 copies × at most ~50 round trips of 20 ms in a second; on a starved machine far fewer.
        Assert.InRange(result.Requests, 5, 260);
        Assert.False(result.OpenModel);
    }

    [Fact]
    public async Task MaxRequestsStopsTheRun()
    {
        await using var server = await StubServer.StartAsync(app => app.MapGet("/hit", () => "ok"));
        using var http = LoadHttp.Create(4);
        var scenario = OnePath("/hit", new KeepConstant(4, TimeSpan.FromSeconds(10)));

        var clock = Stopwatch.StartNew();
        var result = await new LoadRunner(http, server.Address, scenario, RunLimits.Default with { MaxRequests = 50 }).RunAsync(CancellationToken.None);

        Assert.Equal(50, result.Requests);
        Assert.Contains("max-requests", result.StopReason);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }
}
