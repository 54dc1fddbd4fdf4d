using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LiveDash.Tests.Shared;
using LiveDash.LoadTests.Agent;

namespace LiveDash.Tests.Load;

/// <summary>
/// Load agents against the app on a real Kestrel port: in-process agents (the same class ./livedash agent
/// runs) and one real agent process, driven only through the admin API.
/// </summary>
public sealed class LoadAgentsTests : IClassFixture<KestrelApp>
{
    readonly KestrelApp _app;

    public LoadAgentsTests(KestrelApp app) => _app = app;

    [Fact]
    public async Task TwoAgentsAreMergedNotAveraged()
    {
        await using var a = InProcessAgent.Start(_app, "merge-a");
        await using var b = InProcessAgent.Start(_app, "merge-b");
        using var http = _app.Http(admin: true);
        await WaitForAgents(http, "merge-a", "merge-b");

        var id = await StartRun(http, new { scenario = "url", path = "/api/ping", rate = 300, durationSeconds = 4, agents = new[] { "merge-a", "merge-b" } });
        var run = await WaitForState(http, id, "completed", TimeSpan.FromSeconds(30));

        var ra = a.Agent.LastRun!.Result!;
        var rb = b.Agent.LastRun!.Result!;
        Assert.True(ra.Requests > 100 && rb.Requests > 100, $"both agents sent load ({ra.Requests}, {rb.Requests})");
        Assert.Equal(ra.Requests + rb.Requests, run.GetProperty("requests").GetInt64());
        // The run's rate is every request over the run's length (the longer agent's: on a busy machine one may
        // start or drain a little later), so it is about the sum of the agents' rates, never their average.
        var merged = run.GetProperty("rps").GetDouble();
        Assert.Equal(Math.Round((ra.Requests + rb.Requests) / Math.Max(ra.Seconds, rb.Seconds), 1), merged);
        Assert.True(merged > 1.5 * Math.Max(ra.RequestsPerSecond, rb.RequestsPerSecond), $"merged rate {merged} vs the agents' {ra.RequestsPerSecond} + {rb.RequestsPerSecond}");

        var union = new LatencyHistogram();
        union.Add(a.Agent.LastRun.Runner.CurrentStats!.Corrected);
        union.Add(b.Agent.LastRun.Runner.CurrentStats!.Corrected);
        Assert.Equal(Math.Round(union.ValueAtPercentile(99) / 1000.0, 3), run.GetProperty("p99Ms").GetDouble());
        Assert.Equal(Math.Round(union.ValueAtPercentile(50) / 1000.0, 3), run.GetProperty("p50Ms").GetDouble());

        var agents = run.GetProperty("agents").EnumerateArray().ToDictionary(x => x.GetProperty("name").GetString()!, x => x.GetProperty("requests").GetInt64());
        Assert.Equal(ra.Requests, agents["merge-a"]);
        Assert.Equal(rb.Requests, agents["merge-b"]);

        var report = await http.GetStringAsync($"/admin/api/load/runs/{id}/report");
        Assert.Contains("merge-a", report);
        Assert.Contains("merge-b", report);
        Assert.Contains((ra.Requests + rb.Requests).ToString(System.Globalization.CultureInfo.InvariantCulture), report);
        var csv = await http.GetStringAsync($"/admin/api/load/runs/{id}/report?format=csv");
        Assert.StartsWith("second,requests", csv);
    }

    [Fact]
    public async Task ARateChangeReachesBothAgentsWithinASecondAndStopEndsTheRunOnEvery()
    {
        await using var a = InProcessAgent.Start(_app, "steer-a");
        await using var b = InProcessAgent.Start(_app, "steer-b");
        using var http = _app.Http(admin: true);
        await WaitForAgents(http, "steer-a", "steer-b");

        var id = await StartRun(http, new { scenario = "url", path = "/api/ping", rate = 100, durationSeconds = 30, agents = new[] { "steer-a", "steer-b" } });
        await Until(() => a.Agent.CurrentRun?.Runner.CurrentStats is not null && b.Agent.CurrentRun?.Runner.CurrentStats is not null, TimeSpan.FromSeconds(10), "both agents running");
        Assert.Equal(50, a.Agent.CurrentRun!.Runner.CurrentChange!.PerSecond);

        var clock = Stopwatch.StartNew();
        using (var patch = await http.PatchAsJsonAsync($"/admin/api/load/runs/{id}", new { rate = 400 }))
            Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        var reached = new Dictionary<string, TimeSpan>();
        while (reached.Count < 2 && clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            foreach (var agent in new[] { a, b })
                if (!reached.ContainsKey(agent.Agent.Name) && agent.Agent.CurrentRun?.Runner.CurrentChange?.PerSecond == 200) reached[agent.Agent.Name] = clock.Elapsed;
            await Task.Delay(10);
        }
        Assert.Equal(2, reached.Count);
        Assert.All(reached.Values, took => Assert.True(took < TimeSpan.FromSeconds(1), $"the change took {took.TotalMilliseconds:0} ms to reach an agent"));

        // The agents make the new load: over 2 s each schedules about 400 arrivals (the old rate: 100),
        // counted whether they were answered, are in flight, or were dropped as too late on a busy machine.
        static long Arrivals(InProcessAgent agent) => agent.Agent.CurrentRun!.Runner.Snapshot() is { } s ? s.Requests + s.InFlight + s.Dropped : 0;
        var before = new[] { Arrivals(a), Arrivals(b) };
        await Task.Delay(2000);
        var made = new[] { Arrivals(a) - before[0], Arrivals(b) - before[1] };
        Assert.All(made, n => Assert.True(n > 220, $"an agent scheduled {n} arrivals in 2 s at 200/s (at the old 50/s it would be about 100)"));

        using (var stop = await http.DeleteAsync($"/admin/api/load/runs/{id}"))
            Assert.Equal(HttpStatusCode.OK, stop.StatusCode);
        await Until(() => a.Agent.CurrentRun is null && b.Agent.CurrentRun is null, TimeSpan.FromSeconds(5), "both agents stopped");
        var run = await WaitForState(http, id, "stopped", TimeSpan.FromSeconds(5));
        Assert.Equal("stopped from the server", a.Agent.LastRun!.StopReason);
        Assert.True(a.Agent.LastRun.Result!.Seconds < 15 && b.Agent.LastRun!.Result!.Seconds < 15, "the 30 s run ended early on both agents");
        Assert.Equal("stopped", run.GetProperty("state").GetString());
    }

    [Fact]
    public async Task AKilledAgentProcessIsLostWithinFiveSecondsAndTheRunGoesOn()
    {
        await using var kept = InProcessAgent.Start(_app, "kept");
        using var process = AgentProcess.Start(_app.BaseAddress, "doomed");
        try
        {
            using var http = _app.Http(admin: true);
            await WaitForAgents(http, "kept", "doomed");

            var id = await StartRun(http, new { scenario = "url", path = "/api/ping", users = 4, durationSeconds = 8, agents = new[] { "kept", "doomed" } });
            await WaitForRun(http, id, r => r.GetProperty("agents").EnumerateArray().All(x => x.GetProperty("requests").GetInt64() > 0), TimeSpan.FromSeconds(10));
            process.Kill(entireProcessTree: true);
            var clock = Stopwatch.StartNew();
            await WaitFor(http, "/admin/api/load/agents", list => list.EnumerateArray().Any(x => x.GetProperty("name").GetString() == "doomed" && x.GetProperty("state").GetString() == "lost"), TimeSpan.FromSeconds(5));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5));

            var before = kept.Agent.CurrentRun!.Runner.Snapshot()!.Requests;
            await Task.Delay(1000);
            Assert.True(kept.Agent.CurrentRun?.Runner.Snapshot()?.Requests > before, "the other agent goes on loading");
            var run = await WaitForState(http, id, "completed", TimeSpan.FromSeconds(30));
            var parts = run.GetProperty("agents").EnumerateArray().ToDictionary(x => x.GetProperty("name").GetString()!, x => x.GetProperty("state").GetString());
            Assert.Equal("lost", parts["doomed"]);
            Assert.Equal("ended", parts["kept"]);
            Assert.Equal(4, kept.Agent.LastRun!.Runner.CurrentChange!.Copies); // the lost agent's users moved to the one left
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task AnAgentWhoseServerGoesAwayStopsWithinFiveSeconds()
    {
        var app = new KestrelApp();
        var agent = InProcessAgent.Start(app, "orphan");
        try
        {
            using (var http = app.Http(admin: true))
            {
                await WaitForAgents(http, "orphan");
                await StartRun(http, new { scenario = "url", path = "/api/ping", rate = 50, durationSeconds = 60, agents = new[] { "orphan" } });
            }
            await Until(() => agent.Agent.CurrentRun?.Runner.Snapshot()?.Requests > 0, TimeSpan.FromSeconds(10), "the run started");
            var clock = Stopwatch.StartNew();
            var stopping = app.DisposeAsync().AsTask();
            await Until(() => agent.Agent.CurrentRun is null, TimeSpan.FromSeconds(5), "the agent stopped its load");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"stopped after {clock.Elapsed.TotalSeconds:0.0} s");
            await stopping;
            Assert.True(agent.Agent.LastRun!.Result!.Seconds < 20, "the 60 s run ended early");
        }
        finally
        {
            await agent.DisposeAsync();
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task AnAgentCutOffFromTheServerWithoutAWordStopsWithinFiveSecondsAndIsMarkedLost()
    {
        await using var relay = await FreezableRelay.StartAsync(_app.BaseAddress);
        var agent = new LoadAgent(relay.Address, "cut-off", KestrelApp.AdminPassword, TextWriter.Null);
        using var stopAgent = new CancellationTokenSource();
        var running = agent.RunAsync(stopAgent.Token);
        try
        {
            using var http = _app.Http(admin: true);
            await WaitForAgents(http, "cut-off");
            await StartRun(http, new { scenario = "url", path = "/api/ping", users = 2, durationSeconds = 60, agents = new[] { "cut-off" } });
            await Until(() => agent.CurrentRun?.Runner.Snapshot()?.Requests > 0, TimeSpan.FromSeconds(10), "the run started");

            // The network goes quiet: no close, no reset, nothing passes either way.
            relay.Freeze();
            var clock = Stopwatch.StartNew();
            var run = agent.CurrentRun!;
            await Until(() => run.StopRequested && !agent.Connected, TimeSpan.FromSeconds(5), "the agent gave the server up and stopped its load");
            var sent = run.Runner.Snapshot()!.Requests + run.Runner.Snapshot()!.InFlight;
            await WaitFor(http, "/admin/api/load/agents", list => list.EnumerateArray().Any(x => x.GetProperty("name").GetString() == "cut-off" && x.GetProperty("state").GetString() == "lost"), TimeSpan.FromSeconds(8));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"marked lost after {clock.Elapsed.TotalSeconds:0.0} s");
            Assert.Equal(sent, run.Runner.Snapshot()!.Requests + run.Runner.Snapshot()!.InFlight); // no new requests since it stopped
        }
        finally
        {
            stopAgent.Cancel();
            relay.Dispose();
            await running.WaitAsync(TimeSpan.FromSeconds(40));
        }
    }

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

    [Fact]
    public async Task BadRunsGetA400NamingTheFieldAndNoAgentA409()
    {
        using var http = _app.Http(admin: true);
        async Task Expect(object body, HttpStatusCode status, string field)
        {
            using var response = await http.PostAsJsonAsync("/admin/api/load/runs", body);
            var error = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(status == response.StatusCode, $"{JsonSerializer.Serialize(body)} answered {(int)response.StatusCode}: {error}");
            Assert.Equal(field, error.GetProperty("field").GetString());
        }
        await Expect(new { scenario = "nope", durationSeconds = 5 }, HttpStatusCode.BadRequest, "scenario");
        await Expect(new { scenario = "lecture", durationSeconds = 5 }, HttpStatusCode.BadRequest, "scenario");
        await Expect(new { scenario = "url", durationSeconds = 5 }, HttpStatusCode.BadRequest, "path");
        await Expect(new { scenario = "orders", path = "/x", durationSeconds = 5 }, HttpStatusCode.BadRequest, "path");
        await Expect(new { scenario = "url", path = "/api/ping", rate = -1, durationSeconds = 5 }, HttpStatusCode.BadRequest, "rate");
        await Expect(new { scenario = "url", path = "/api/ping", users = "2", durationSeconds = 5 }, HttpStatusCode.BadRequest, "users");
        await Expect(new { scenario = "url", path = "/api/ping", rate = 5, durationSeconds = 5, warmUpSeconds = -1 }, HttpStatusCode.BadRequest, "warmUpSeconds");
        await Expect(new { scenario = "url", path = "/api/ping", rate = 5, durationSeconds = 5, warmUpSeconds = 61 }, HttpStatusCode.BadRequest, "warmUpSeconds");
        await Expect(new { scenario = "url", path = "/api/ping", rate = 5, durationSeconds = 5, warmUpSeconds = "3s" }, HttpStatusCode.BadRequest, "warmUpSeconds");
        await Expect(new { scenario = "url", path = "/api/ping", users = 2, rate = 5, durationSeconds = 5 }, HttpStatusCode.BadRequest, "users");
        await Expect(new { scenario = "url", path = "/api/ping", rate = 5 }, HttpStatusCode.BadRequest, "durationSeconds");
        await Expect(new { scenario = "url", path = "/api/ping", rate = 5, durationSeconds = 99999 }, HttpStatusCode.BadRequest, "durationSeconds");
        await Expect(new { scenario = "url", path = "/api/ping", rate = 5, durationSeconds = 5, speed = 3 }, HttpStatusCode.BadRequest, "speed");
        await Expect(new { scenario = "url", path = "/api/ping", rate = 5, durationSeconds = 5, agents = new[] { "nobody" } }, HttpStatusCode.Conflict, "agents");

        using (var notASocket = await http.GetAsync("/admin/api/load/agents/connect?name=x"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, notASocket.StatusCode);
            Assert.Equal("connection", (await notASocket.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString());
        }

        using var anonymous = _app.Http();
        using var refused = await anonymous.GetAsync("/admin/api/load/agents");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        using var missing = await http.GetAsync("/admin/api/load/runs/999999");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task AnAgentWithTheWrongPasswordIsRefusedForGood()
    {
        var agent = new LoadAgent(_app.BaseAddress, "wrong", "not-the-password", TextWriter.Null);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var refused = await Assert.ThrowsAsync<AgentRefusedException>(() => agent.RunAsync(timeout.Token));
        Assert.Contains("401", refused.Message);
    }

    [Fact]
    public async Task ASecondAgentWithATakenNameIsRefusedAndTheFirstStays()
    {
        await using var first = InProcessAgent.Start(_app, "twin");
        using var http = _app.Http(admin: true);
        await WaitForAgents(http, "twin");

        var second = new LoadAgent(_app.BaseAddress, "twin", KestrelApp.AdminPassword, TextWriter.Null);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var refused = await Assert.ThrowsAsync<AgentRefusedException>(() => second.RunAsync(timeout.Token));
        Assert.Contains("--name", refused.Message);
        Assert.True(first.Agent.Connected);
    }

    internal static async Task WaitForAgents(HttpClient http, params string[] names) =>
        await WaitFor(http, "/admin/api/load/agents", list => names.All(n => list.EnumerateArray().Any(x => x.GetProperty("name").GetString() == n && x.GetProperty("state").GetString() == "idle")), TimeSpan.FromSeconds(20));

    internal static async Task<string> StartRun(HttpClient http, object body)
    {
        using var response = await http.PostAsJsonAsync("/admin/api/load/runs", body);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"POST /admin/api/load/runs answered {(int)response.StatusCode}: {json}");
        return json.GetProperty("id").GetString()!;
    }

    static Task<JsonElement> WaitForState(HttpClient http, string id, string state, TimeSpan limit) =>
        WaitForRun(http, id, r => r.GetProperty("state").GetString() == state, limit);

    static Task<JsonElement> WaitForRun(HttpClient http, string id, Func<JsonElement, bool> done, TimeSpan limit) =>
        WaitFor(http, $"/admin/api/load/runs/{id}", done, limit);

    internal static async Task<JsonElement> WaitFor(HttpClient http, string path, Func<JsonElement, bool> done, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        JsonElement last = default;
        while (clock.Elapsed < limit)
        {
            last = await http.GetFromJsonAsync<JsonElement>(path);
            if (done(last)) return last;
            await Task.Delay(100);
        }
        throw new Xunit.Sdk.XunitException($"{path} did not get there within {limit.TotalSeconds} s; last answer: {last}");
    }

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
