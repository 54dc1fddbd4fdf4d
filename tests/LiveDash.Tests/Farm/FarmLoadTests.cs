using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LiveDash.LoadTests.Agent;
using Xunit.Abstractions;
using LiveDash.Tests.Shared;

namespace LiveDash.Tests.Farm;

/// <summary>Agents and load runs are farm-wide: through HAProxy, whichever instance answers sees every agent and every run.</summary>
public class FarmLoadTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ThroughHaproxyEveryInstanceListsTheAgentAndReadsChangesStopsAndReportsTheRun()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var ct = timeout.Token;
        var farm = FarmApp.NewFarmName();
        await using var app1 = new FarmApp(farm, "app-1");
        await using var app2 = new FarmApp(farm, "app-2");
        await app1.WaitListeningAsync(ct);
        await app2.WaitListeningAsync(ct);
        await using var proxy = await Haproxy.StartAsync([app1.BaseAddress, app2.BaseAddress], ct);
        // Like hey or a script: no cookies, so HAProxy alternates the instances request by request.
        using var http = new HttpClient(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = proxy.Address, Timeout = TimeSpan.FromSeconds(20) };
        http.DefaultRequestHeaders.Authorization = new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:" + FarmApp.AdminPassword)));

        // One agent, connected through the proxy: its socket is on one instance only.
        using var stopAgent = new CancellationTokenSource();
        var agent = new LoadAgent(proxy.Address, "soak", FarmApp.AdminPassword, TextWriter.Null);
        var agentRunning = agent.RunAsync(stopAgent.Token);
        try
        {
            using var direct1 = app1.Http();
            using var direct2 = app2.Http();
            var clock = Stopwatch.StartNew();
            while (!(await Names(direct1, ct)).Contains("soak") || !(await Names(direct2, ct)).Contains("soak"))
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), "the agent never showed on both instances");
                await Task.Delay(100, ct);
            }
            output.WriteLine($"the agent is listed by both instances {clock.ElapsedMilliseconds} ms after it started");
            for (var i = 0; i < 10; i++) Assert.Equal(["soak"], await Names(http, ct));

            using var started = await http.PostAsJsonAsync("/admin/api/load/runs", new { scenario = "url", path = "/api/ping", rate = 20, durationSeconds = 60 }, ct);
            var startBody = await started.Content.ReadFromJsonAsync<JsonElement>(ct);
            Assert.True(started.StatusCode == HttpStatusCode.Created, $"start answered {(int)started.StatusCode}: {startBody}");
            var id = startBody.GetProperty("id").GetString()!;

            // Read and change it through the proxy, alternating instances: every call finds the run.
            for (var i = 0; i < 6; i++)
            {
                using var read = await http.GetAsync($"/admin/api/load/runs/{id}", ct);
                Assert.True(read.StatusCode == HttpStatusCode.OK, $"GET run {id} answered {(int)read.StatusCode}: {await read.Content.ReadAsStringAsync(ct)}");
                var rate = 20 + i;
                using var change = await http.PatchAsJsonAsync($"/admin/api/load/runs/{id}", new { rate }, ct);
                var changed = await change.Content.ReadFromJsonAsync<JsonElement>(ct);
                Assert.True(change.StatusCode == HttpStatusCode.OK, $"PATCH run {id} answered {(int)change.StatusCode}: {changed}");
                Assert.Equal(rate, changed.GetProperty("rate").GetDouble());
            }
            // Both instances know the last change, and the agent (wherever its socket is) applied it.
            clock.Restart();
            while (!await AgentRateIs(direct1, id, 25, ct) || !await AgentRateIs(direct2, id, 25, ct))
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "the last change never reached the agent as both instances see it");
                await Task.Delay(100, ct);
            }
            // The agent's seconds reach both instances' copies of the run.
            clock.Restart();
            while ((await Run(direct1, id, ct)).GetProperty("requests").GetInt64() == 0 || (await Run(direct2, id, ct)).GetProperty("requests").GetInt64() == 0)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "the run's requests never showed on both instances");
                await Task.Delay(100, ct);
            }

            using (var stop = await http.DeleteAsync($"/admin/api/load/runs/{id}", ct))
                Assert.True(stop.StatusCode == HttpStatusCode.OK, $"DELETE run {id} answered {(int)stop.StatusCode}: {await stop.Content.ReadAsStringAsync(ct)}");
            clock.Restart();
            while ((await Run(direct1, id, ct)).GetProperty("state").GetString() != "stopped" || (await Run(direct2, id, ct)).GetProperty("state").GetString() != "stopped")
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), "the run never ended as stopped on both instances");
                await Task.Delay(100, ct);
            }
            var requests = new List<long>();
            for (var i = 0; i < 4; i++)
            {
                var run = await Run(http, id, ct);
                Assert.Equal("stopped", run.GetProperty("state").GetString());
                requests.Add(run.GetProperty("requests").GetInt64());
                using var report = await http.GetAsync($"/admin/api/load/runs/{id}/report?format=md", ct);
                Assert.Equal(HttpStatusCode.OK, report.StatusCode);
                var markdown = await report.Content.ReadAsStringAsync(ct);
                Assert.True(markdown.Contains("url", StringComparison.Ordinal), markdown);
            }
            output.WriteLine($"requests as each answer through the proxy counts them: {string.Join(", ", requests)}");
            Assert.True(requests[0] > 0);
            Assert.All(requests, r => Assert.Equal(requests[0], r));
            // The agent's own heartbeat may say "running" for a moment after the run's end; then every answer says idle.
            clock.Restart();
            while ((await http.GetFromJsonAsync<JsonElement>("/admin/api/load/agents", ct))[0].GetProperty("state").GetString() != "idle"
                || (await http.GetFromJsonAsync<JsonElement>("/admin/api/load/agents", ct))[0].GetProperty("state").GetString() != "idle")
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), "the agent was never shown idle by both instances");
                await Task.Delay(200, ct);
            }
            await Task.Delay(1000, ct);
            for (var i = 0; i < 4; i++)
                Assert.Equal("idle", (await http.GetFromJsonAsync<JsonElement>("/admin/api/load/agents", ct))[0].GetProperty("state").GetString());
        }
        finally
        {
            stopAgent.Cancel();
            try { await agentRunning.WaitAsync(TimeSpan.FromSeconds(30)); } catch (OperationCanceledException) { }
        }
    }

    static async Task<string[]> Names(HttpClient http, CancellationToken ct)
    {
        var list = await http.GetFromJsonAsync<JsonElement>("/admin/api/load/agents", ct);
        return [.. list.EnumerateArray().Where(a => a.GetProperty("state").GetString() != "lost").Select(a => a.GetProperty("name").GetString()!)];
    }

    static async Task<JsonElement> Run(HttpClient http, string id, CancellationToken ct) =>
        await http.GetFromJsonAsync<JsonElement>($"/admin/api/load/runs/{id}", ct);

    static async Task<bool> AgentRateIs(HttpClient http, string id, double rate, CancellationToken ct)
    {
        var run = await Run(http, id, ct);
        return run.GetProperty("rate").GetDouble() == rate && run.GetProperty("agents")[0].GetProperty("rate") is { ValueKind: JsonValueKind.Number } applied && applied.GetDouble() == rate;
    }
}

/// <summary>Debian's HAProxy in front of the given instances, balanced as ./livedash up --instances does (round robin, a cookie only for browsers).</summary>
sealed class Haproxy : IAsyncDisposable
{
    readonly Process _process;
    readonly string _config;

    Haproxy(Process process, string config, Uri address) => (_process, _config, Address) = (process, config, address);

    public Uri Address { get; }

    public static async Task<Haproxy> StartAsync(IReadOnlyList<Uri> instances, CancellationToken ct)
    {
        var port = ChildProcess.FreePort();
        var config = Path.Combine(Path.GetTempPath(), $"livedash-test-haproxy-{port}.cfg");
        var servers = string.Join("\n", instances.Select((u, i) => $"    server app-{i + 1} {u.Host}:{u.Port} check cookie app-{i + 1}"));
        await File.WriteAllTextAsync(config, $"""
            global
                maxconn 1024
            defaults
                mode http
                timeout connect 2s
                timeout client 60s
                timeout server 60s
                timeout tunnel 1h
            frontend livedash
                bind 127.0.0.1:{port}
                default_backend apps
            backend apps
                balance roundrobin
                option httpchk GET /api/health
                default-server inter 1s fall 3 rise 1
                cookie LIVEDASH_APP insert indirect nocache httponly
            {servers}

            """, ct);
        var process = Process.Start(new ProcessStartInfo("haproxy", ["-db", "-f", config]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var proxy = new Haproxy(process, config, new Uri($"http://127.0.0.1:{port}"));
        using var http = new HttpClient { BaseAddress = proxy.Address };
        var clock = Stopwatch.StartNew();
        // Up, and with both servers passing their health checks (each answers once in a row of two).
        var seen = 0;
        while (seen < 4)
        {
            if (process.HasExited) throw new InvalidOperationException($"haproxy exited with {process.ExitCode}");
            if (clock.Elapsed > TimeSpan.FromSeconds(20)) throw new TimeoutException("HAProxy never answered");
            try { seen = (await http.GetAsync("/api/health", ct)).IsSuccessStatusCode ? seen + 1 : 0; }
            catch (HttpRequestException) { seen = 0; }
            await Task.Delay(seen == 0 ? 100 : 600, ct);
        }
        return proxy;
    }


    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
        File.Delete(_config);
    }
}
