using System.Diagnostics;
using System.Text.Json;
using LiveDash.Load;
using LiveDash.LoadTests.Agent;
using Microsoft.Extensions.DependencyInjection;
using static LiveDash.Tests.Load.LoadAgentsTests;

namespace LiveDash.Tests.Load;

/// <summary>
/// The control channel loses no figure: an agent keeps every second, change and end until the server confirms it,
/// and delivers them after a reconnect; a run its agent abandoned says so, with the agent's own totals.
/// </summary>
public sealed class AgentChannelTests : IClassFixture<KestrelApp>
{
    readonly KestrelApp _app;

    public AgentChannelTests(KestrelApp app) => _app = app;

    [Fact]
    public async Task AConnectionCutMidRunLosesNoFigureAndTheRunSaysItWasStopped()
    {
        await using var agent = InProcessAgent.Start(_app, "cut-mid");
        using var http = _app.Http(admin: true);
        await WaitForAgents(http, "cut-mid");
        var id = await StartRun(http, new { scenario = "url", path = "/api/ping", rate = 100, durationSeconds = 20, agents = new[] { "cut-mid" } });
        await Until(() => agent.Agent.CurrentRun?.Runner.MeasuredStats?.Requests > 150, TimeSpan.FromSeconds(15), "the run measured a second or two");

        // The server drops the agent's socket mid-run (as a network cut would): the agent stops its load (the safety
        // stop), reconnects, and sends again every second and the end the server had not confirmed.
        _app.Services.GetRequiredService<LoadAgents>().Find("cut-mid")!.MarkLost("cut by the test");
        await Until(() => agent.Agent.LastRun?.Id == id && agent.Agent.LastRun.Result is not null, TimeSpan.FromSeconds(15), "the agent's run ended");
        var own = agent.Agent.LastRun!.Result!;
        Assert.StartsWith("lost the server at 0:", agent.Agent.LastRun.StopReason);
        Assert.True(own.Requests > 150, $"the agent measured {own.Requests} requests");

        var run = await WaitFor(http, $"/admin/api/load/runs/{id}", r => r.GetProperty("agents")[0].GetProperty("state").GetString() == "ended", TimeSpan.FromSeconds(20));
        Assert.Equal("stopped", run.GetProperty("state").GetString());
        Assert.StartsWith("agent cut-mid lost", run.GetProperty("stopReason").GetString());
        Assert.Equal(own.Requests, run.GetProperty("requests").GetInt64());
        Assert.Equal(own.Errors, run.GetProperty("errors").GetInt64());
        // Every measured second arrived too: the report's seconds add up to the agent's count.
        var csv = await http.GetStringAsync($"/admin/api/load/runs/{id}/report?format=csv");
        Assert.Equal(own.Requests, SecondsTotal(csv));
        await Until(() => agent.Agent.Outbox.Count == 0, TimeSpan.FromSeconds(5), "the server confirmed everything the agent kept");
        Assert.True(agent.Agent.Connected);
    }

    [Fact]
    public async Task ARunWhoseAgentWasCutOffPastItsEndReadsStoppedWithTheAgentsOwnTotals()
    {
        await using var relay = await FreezableRelay.StartAsync(_app.BaseAddress);
        var agent = new LoadAgent(relay.Address, "cut-late", KestrelApp.AdminPassword, TextWriter.Null);
        using var stopAgent = new CancellationTokenSource();
        var running = agent.RunAsync(stopAgent.Token);
        try
        {
            using var http = _app.Http(admin: true);
            await WaitForAgents(http, "cut-late");
            var id = await StartRun(http, new { scenario = "url", path = "/api/ping", users = 2, durationSeconds = 6, agents = new[] { "cut-late" } });
            await Until(() => agent.CurrentRun?.Runner.MeasuredStats?.Requests > 20, TimeSpan.FromSeconds(15), "the run started");

            // Nothing passes either way until after the run's end: the agent stops its load, the server marks it lost.
            relay.Freeze();
            var lost = await WaitFor(http, $"/admin/api/load/runs/{id}", r => r.GetProperty("state").GetString() != "running", TimeSpan.FromSeconds(15));
            Assert.Equal("stopped", lost.GetProperty("state").GetString());
            Assert.StartsWith("agent cut-late lost at 0:", lost.GetProperty("stopReason").GetString());
            await Task.Delay(TimeSpan.FromSeconds(6));
            relay.Thaw();

            var run = await WaitFor(http, $"/admin/api/load/runs/{id}", r => r.GetProperty("agents")[0].GetProperty("state").GetString() == "ended", TimeSpan.FromSeconds(30));
            var own = agent.LastRun!.Result!;
            Assert.Equal(id, agent.LastRun.Id);
            Assert.StartsWith("lost the server at 0:", agent.LastRun.StopReason);
            Assert.Equal("stopped", run.GetProperty("state").GetString());
            Assert.Equal(own.Requests, run.GetProperty("requests").GetInt64());
            Assert.Equal(own.Errors, run.GetProperty("errors").GetInt64());
            Assert.StartsWith("lost the server at 0:", run.GetProperty("agents")[0].GetProperty("stopReason").GetString());
        }
        finally
        {
            stopAgent.Cancel();
            relay.Dispose();
            await running.WaitAsync(TimeSpan.FromSeconds(40));
        }
    }

    [Fact]
    public void TheOutboxKeepsWhatIsUnconfirmedInOrderAndDropsOnlyOldSecondsWhenFull()
    {
        var outbox = new AgentOutbox(capacity: 3);
        static RunSecond Second(int s) => new("1", s, 10, 0, 0, new WireHistogram([], 0, 0, 0), new WireHistogram([], 0, 0, 0), null);
        outbox.Add(Second(0));
        outbox.Add(Second(1));
        var session = System.Threading.Channels.Channel.CreateUnbounded<AgentMessage>();
        outbox.Attach(session.Writer, () => throw new Xunit.Sdk.XunitException("no overflow expected"));
        outbox.Add(new RunEnded("1", "completed", 3, 30, 0, 0, null, null, null));
        outbox.Add(Second(2));   // full: second 0, the oldest second, goes; the end stays
        Assert.Equal(1, outbox.DroppedSeconds);
        Assert.Equal([1L, 2L, 3L, 4L], Drain(session.Reader).Select(m => m.Seq!.Value));

        outbox.Confirm(2);
        Assert.Equal(2, outbox.Count);
        outbox.Detach(session.Writer);
        var next = System.Threading.Channels.Channel.CreateUnbounded<AgentMessage>();
        outbox.Attach(next.Writer, () => { });
        var again = Drain(next.Reader);
        Assert.Equal([3L, 4L], again.Select(m => m.Seq!.Value));
        Assert.IsType<RunEnded>(again[0]);

        // On the wire, the number travels with the message and the server's ack parses.
        var back = AgentMessage.Parse(again[0].ToUtf8());
        Assert.Equal(3, back!.Seq);
        Assert.Equal(new Ack(4), AgentMessage.Parse(new Ack(4).ToUtf8()));
    }

    static List<AgentMessage> Drain(System.Threading.Channels.ChannelReader<AgentMessage> reader)
    {
        var list = new List<AgentMessage>();
        while (reader.TryRead(out var m)) list.Add(m);
        return list;
    }

    static long SecondsTotal(string csv) =>
        csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Sum(line => long.Parse(line.Split(',')[1], System.Globalization.CultureInfo.InvariantCulture));

    static async Task Until(Func<bool> done, TimeSpan limit, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!done())
        {
            if (clock.Elapsed > limit) throw new Xunit.Sdk.XunitException($"not within {limit.TotalSeconds:0.#} s: {what}");
            await Task.Delay(20);
        }
    }
}
