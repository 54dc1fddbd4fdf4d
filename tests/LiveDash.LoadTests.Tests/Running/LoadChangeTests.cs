using System.Collections.Concurrent;
using System.Diagnostics;
using LiveDash.LoadTests.Agent;
using LiveDash.LoadTests.Running;
using LiveDash.LoadTests.Scenarios;
using Microsoft.AspNetCore.Builder;

namespace LiveDash.LoadTests.Tests.Running;

/// <summary>The runner's load can be changed while it runs: the rate of an open model, the users of a closed one.</summary>
[Collection(TimingCollection.Name)]
public class LoadChangeTests
{
    static Scenario OnePath(string path, params LoadSimulation[] simulations) =>
        new("test", "", [new ScenarioStep("hit", path)], simulations, new Dictionary<string, ScenarioVariable>(), []);

    [Fact]
    public async Task ARateChangeMidRunTakesEffectAtOnce()
    {
        var arrivals = new ConcurrentQueue<long>();
        await using var server = await StubServer.StartAsync(app => app.MapGet("/hit", () =>
        {
            arrivals.Enqueue(Stopwatch.GetTimestamp());
            return "ok";
        }));
        using var http = LoadHttp.Create(200);
        var runner = new LoadRunner(http, server.Address, OnePath("/hit", new Inject(1, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4))), RunLimits.Default);
        runner.ChangeLoad(new LoadChange(PerSecond: 50));
        var startedAt = Stopwatch.GetTimestamp();
        var run = runner.RunAsync(CancellationToken.None);
        await Task.Delay(2000);
        var changedAt = Stopwatch.GetTimestamp();
        runner.ChangeLoad(new LoadChange(PerSecond: 200));
        var result = await run;

        // 50/s until the change; 200/s from then on (measured over 0.6 s starting 0.2 s after it). Coarse
        // bounds: on a starved machine the server stamps arrivals late, but 4x apart stays far apart.
        var rateBefore = arrivals.Count(t => t < changedAt) / Stopwatch.GetElapsedTime(startedAt, changedAt).TotalSeconds;
        var rateAfter = arrivals.Count(t => t >= changedAt + Stopwatch.Frequency / 5 && t < changedAt + Stopwatch.Frequency * 4 / 5) / 0.6;
        Assert.InRange(rateBefore, 25, 75);
        Assert.InRange(rateAfter, 120, 300);
        Assert.Equal(arrivals.Count, result.Requests);
    }

    [Fact]
    public async Task UsersChangeMidRunMoveTheNumberOfCopies()
    {
        var current = 0;
        var peakAfter = 0;
        var changed = 0;
        await using var server = await StubServer.StartAsync(app => app.MapGet("/slow", async () =>
        {
            var now = Interlocked.Increment(ref current);
            if (Volatile.Read(ref changed) == 1)
            {
                int seen;
                while (now > (seen = Volatile.Read(ref peakAfter)) && Interlocked.CompareExchange(ref peakAfter, now, seen) != seen) { }
            }
            await Task.Delay(20);
            Interlocked.Decrement(ref current);
            return "ok";
        }));
        using var http = LoadHttp.Create(100);
        var runner = new LoadRunner(http, server.Address, OnePath("/slow", new KeepConstant(2, TimeSpan.FromSeconds(3))), RunLimits.Default);
        var run = runner.RunAsync(CancellationToken.None);
        await Task.Delay(1000);
        runner.ChangeLoad(new LoadChange(Copies: 12));
        await Task.Delay(300);
        Volatile.Write(ref changed, 1);
        await run;

        Assert.Equal(12, peakAfter);
    }

    [Fact]
    public void AChangeOfTheWrongKindIsRefused()
    {
        using var http = LoadHttp.Create(1);
        var open = new LoadRunner(http, new Uri("http://127.0.0.1:1"), OnePath("/x", new Inject(1, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1))), RunLimits.Default);
        Assert.Throws<ArgumentException>(() => open.ChangeLoad(new LoadChange(Copies: 3)));
        Assert.Throws<ArgumentOutOfRangeException>(() => open.ChangeLoad(new LoadChange(PerSecond: -1)));
        var closed = new LoadRunner(http, new Uri("http://127.0.0.1:1"), OnePath("/x", new KeepConstant(1, TimeSpan.FromSeconds(1))), RunLimits.Default);
        Assert.Throws<ArgumentException>(() => closed.ChangeLoad(new LoadChange(PerSecond: 3)));
    }

    [Fact]
    public void AgentsSplitUsersEvenlyAndScaleAScenarioToTheirShare()
    {
        Assert.Equal([4, 3, 3], Enumerable.Range(0, 3).Select(i => LoadAgent.Split(10, i, 3)));
        Assert.Equal([1, 0], Enumerable.Range(0, 2).Select(i => LoadAgent.Split(1, i, 2)));

        // orders is Inject 200/s: each of two agents runs half of it.
        var half = AgentRuns.Plan(new StartRun("1", "orders", null, null, null, 10, 0, 2));
        Assert.Equal(100, ((OpenSimulation)half.LoadSimulations[0]).PerSecond);
        Assert.Equal(TimeSpan.Zero, half.WarmUp);
        Assert.Throws<ScenarioException>(() => AgentRuns.Plan(new StartRun("1", "lecture", null, null, null, 10, 0, 1)));
        Assert.Throws<ScenarioException>(() => AgentRuns.Plan(new StartRun("1", "../etc/x.json", null, null, null, 10, 0, 1)));
    }
}
