using System.Diagnostics;
using static LiveDash.Tests.Load.LoadAgentsTests;

namespace LiveDash.Tests.Load;

/// <summary>A run's warm-up on the agents: the load is sent first, shown as warming up, and counted nowhere.</summary>
public sealed class AgentWarmUpTests : IClassFixture<KestrelApp>
{
    readonly KestrelApp _app;

    public AgentWarmUpTests(KestrelApp app) => _app = app;

    [Fact]
    public async Task TheWarmUpIsSentFirstShownAndNotCounted()
    {
        await using var agent = InProcessAgent.Start(_app, "warm");
        using var http = _app.Http(admin: true);
        await WaitForAgents(http, "warm");

        var clock = Stopwatch.StartNew();
        var id = await StartRun(http, new { scenario = "url", path = "/api/ping", rate = 100, durationSeconds = 3, warmUpSeconds = 3, agents = new[] { "warm" } });
        var warming = await WaitForRun(http, id, r => r.GetProperty("warmingUp").GetBoolean(), TimeSpan.FromSeconds(10));
        Assert.Equal(3, warming.GetProperty("warmUpSeconds").GetDouble());
        Assert.Equal("warming up", warming.GetProperty("agents")[0].GetProperty("state").GetString());
        var agents = await http.GetStringAsync("/admin/api/load/agents");
        Assert.Contains("\"state\":\"warming up\"", agents);
        Assert.Equal(0, warming.GetProperty("requests").GetInt64());
        Assert.True(agent.Agent.CurrentRun!.Runner.CurrentStats!.Requests > 0, "the warm-up sends load");

        var run = await WaitForState(http, id, "completed", TimeSpan.FromSeconds(30));
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(5.9), $"warm-up and run together took {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.False(run.GetProperty("warmingUp").GetBoolean());
        var result = agent.Agent.LastRun!.Result!;
        // 100/s for 3 measured seconds: about 300 requests, not the 600 sent in all.
        Assert.InRange(result.Requests, 30, 315);
        Assert.InRange(result.Seconds, 2.9, 4.5);
        Assert.Equal(result.Requests, run.GetProperty("requests").GetInt64());
    }

    [Fact]
    public async Task ARunTakesItsScenariosWarmUpAndAStopDuringItEndsTheRun()
    {
        await using var agent = InProcessAgent.Start(_app, "warm-default");
        using var http = _app.Http(admin: true);
        await WaitForAgents(http, "warm-default");

        // orders.json warms up for 3 s; the run says nothing of it.
        var id = await StartRun(http, new { scenario = "orders", rate = 20, durationSeconds = 20, agents = new[] { "warm-default" } });
        var warming = await WaitForRun(http, id, r => r.GetProperty("warmingUp").GetBoolean(), TimeSpan.FromSeconds(10));
        Assert.Equal(3, warming.GetProperty("warmUpSeconds").GetDouble());

        var clock = Stopwatch.StartNew();
        using (var stop = await http.DeleteAsync($"/admin/api/load/runs/{id}"))
            Assert.Equal(System.Net.HttpStatusCode.OK, stop.StatusCode);
        var run = await WaitForState(http, id, "stopped", TimeSpan.FromSeconds(15));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"stopped after {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.Equal(0, run.GetProperty("requests").GetInt64());
    }
}
