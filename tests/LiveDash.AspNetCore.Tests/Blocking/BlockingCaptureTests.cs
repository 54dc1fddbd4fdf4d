using System.Diagnostics;
using System.Net;
using System.Text.Json;
using LiveDash.Tests.Shared;

namespace LiveDash.AspNetCore.Tests.Blocking;

/// <summary>
/// The sample under 20 clients on each of /blocking, /sync-over-async and /lock while captures run. Coarse bounds only (the
/// machine is shared); bench/blocking-capture.sh measures what a capture costs.
/// </summary>
[Collection(AloneCollection.Name)]
public class BlockingCaptureTests
{
    const int ClientsPerPath = 20;
    const int Seconds = 5;
    static readonly string[] Paths = ["blocking", "sync-over-async", "lock"];

    /// <summary>Closed-loop clients on each path until <paramref name="stop"/>; counts answers and failures.</summary>
    sealed class Load : IAsyncDisposable
    {
        readonly CancellationTokenSource _stop = new();
        readonly HttpClient _client;
        readonly Task _running;
        long _ok, _failed;

        public Load(Uri baseAddress)
        {
            _client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = ClientsPerPath * Paths.Length })
            { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
            _running = Task.WhenAll(Paths.SelectMany(path => Enumerable.Range(0, ClientsPerPath).Select(_ => Client(path))));
        }

        public long Ok => Interlocked.Read(ref _ok);
        public long Failed => Interlocked.Read(ref _failed);

        async Task Client(string path)
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    using var response = await _client.GetAsync(path, _stop.Token);
                    Interlocked.Increment(ref response.IsSuccessStatusCode ? ref _ok : ref _failed);
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                {
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref _failed);
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            _stop.Cancel();
            await _running;
            _client.Dispose();
        }
    }

    static async Task<(HttpStatusCode Status, JsonElement Body, TimeSpan Took)> Capture(SampleProcess app, string query = "?seconds=5")
    {
        using var client = new HttpClient { BaseAddress = app.BaseAddress, Timeout = TimeSpan.FromSeconds(Seconds + 60) };
        var started = Stopwatch.StartNew();
        using var response = await client.PostAsync("livedash/api/blocking/capture" + query, null);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        return (response.StatusCode, body, started.Elapsed);
    }

    static IEnumerable<JsonElement> Sites(JsonElement report, string route)
    {
        var endpoint = report.GetProperty("endpoints").EnumerateArray().FirstOrDefault(e => e.GetProperty("route").GetString() == route);
        Assert.True(endpoint.ValueKind == JsonValueKind.Object, $"no {route} in {report}");
        return endpoint.GetProperty("sites").EnumerateArray();
    }

    static JsonElement TopSite(JsonElement report, string route) => Sites(report, route).First();

    static string Text(JsonElement site, string name) => site.GetProperty(name).GetString()!;

    [Fact]
    public async Task ACaptureNamesWhereEachEndpointBlocks()
    {
        await using var app = await SampleProcess.StartAsync(SampleProcess.SampleDll());
        await using var load = new Load(app.BaseAddress);
        await Task.Delay(3000);   // the thread pool grows to hold more of the 60 clients at once

        // Two captures asked for one second apart: one runs, the other is refused. On a starved sample either POST may
        // reach a thread first (CI once answered the second before the first), so which one is not assumed.
        var capture = Capture(app);
        await Task.Delay(1000);
        var other = await Capture(app);
        var first = await capture;
        var ((status, report, took), refused) = first.Status == HttpStatusCode.OK ? (first, other) : (other, first);
        Assert.Equal(HttpStatusCode.Conflict, refused.Status);
        Assert.Equal(409, refused.Body.GetProperty("status").GetInt32());
        Assert.Contains("one runs at a time", refused.Body.GetProperty("error").GetString());

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(report.TryGetProperty("error", out var error), error.ToString());
        // N + 10 s on a quiet machine; a loaded 2-core CI runner gets N + 20 s.
        Assert.True(took < TimeSpan.FromSeconds(Seconds + 20), $"the capture took {took.TotalSeconds:F1} s");
        var blocking = TopSite(report, "/blocking");
        Assert.Contains("Thread.Sleep", Text(blocking, "blockingFrame"));
        Assert.StartsWith("Program.", Text(blocking, "appFrame"));
        var syncOverAsync = Text(TopSite(report, "/sync-over-async"), "blockingFrame");
        Assert.True(syncOverAsync.Contains("GetResult") || syncOverAsync.Contains("Wait"), syncOverAsync);
        // One /lock request holds the lock (in Thread.Sleep) while the others wait for it: the waiters' site is one of the top two.
        var locked = Sites(report, "/lock").Take(2).Select(s => Text(s, "blockingFrame")).ToList();
        Assert.True(locked.Any(b => b.Contains("Lock") || b.Contains("Monitor")), string.Join(", ", locked));
        Assert.True(blocking.GetProperty("share").GetDouble() is > 0 and <= 1);
        Assert.True(blocking.GetProperty("samples").GetInt64() > 0);

        using var last = await app.Client.GetAsync("livedash/api/blocking/capture");
        Assert.Equal(HttpStatusCode.OK, last.StatusCode);
        Assert.Equal(report.GetProperty("startedAt").GetString(), JsonDocument.Parse(await last.Content.ReadAsStringAsync()).RootElement.GetProperty("startedAt").GetString());
    }

    [Theory]
    [InlineData("0")]
    [InlineData("31")]
    [InlineData("abc")]
    public async Task BadSecondsAreA400NamingTheField(string seconds)
    {
        await using var app = await SampleProcess.StartAsync(SampleProcess.SampleDll());
        var (status, body, _) = await Capture(app, "?seconds=" + seconds);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("seconds", body.GetProperty("field").GetString());
        using var none = await app.Client.GetAsync("livedash/api/blocking/capture");
        Assert.Equal(HttpStatusCode.NoContent, none.StatusCode);
    }

    [Fact]
    public async Task ThreeCapturesInARowLeaveTheAppServingAndNoSessionBehind()
    {
        await using var app = await SampleProcess.StartAsync(SampleProcess.SampleDll());
        var load = new Load(app.BaseAddress);
        await Task.Delay(1000);
        // The first capture loads TraceEvent and compiles its code once; "before" is measured after it, under the same load.
        Assert.Equal(HttpStatusCode.OK, (await Capture(app, "?seconds=2")).Status);
        await Task.Delay(2000);
        var before = ProcessFigures(app.ProcessId);
        for (var i = 0; i < 3; i++)
        {
            var okBefore = load.Ok;
            var (status, report, _) = await Capture(app, "?seconds=3");
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.False(report.TryGetProperty("error", out var error), error.ToString());
            Assert.True(load.Ok > okBefore, $"capture {i + 1}: no request was answered while it ran");
        }
        await Task.Delay(2000);
        var after = ProcessFigures(app.ProcessId);
        var okAfter = load.Ok;
        await Task.Delay(1000);
        Assert.True(load.Ok > okAfter, "the app stopped answering after the captures");
        await load.DisposeAsync();

        Assert.Equal(0, load.Failed);
        // The thread pool keeps adding workers while the load starves it, capture or not: the threads to compare are the others.
        var figures = $"threads other than the pool's {before.Threads} → {after.Threads} ({string.Join(", ", after.Names)}), RSS {before.RssMb} → {after.RssMb} MB";
        Assert.True(after.Threads <= before.Threads + 1, figures);
        Assert.DoesNotContain(after.Names, name => name.StartsWith("LiveDash blocki"));
        // 10% of the memory, and 5 MB for the noise of a heap under load.
        Assert.True(after.RssMb <= before.RssMb * 1.1 + 5, figures);
        Assert.Empty(Directory.GetFiles(Path.GetTempPath(), $"livedash-blocking-{app.ProcessId}-*"));
    }

    /// <summary>Threads other than the thread pool's workers, their names, and resident memory, from /proc (Linux, where these tests run).</summary>
    static (int Threads, List<string> Names, long RssMb) ProcessFigures(int pid)
    {
        var names = Directory.GetDirectories($"/proc/{pid}/task")
            .Select(task => { try { return File.ReadAllText(Path.Combine(task, "comm")).Trim(); } catch (IOException) { return ""; } })
            .Where(name => name is not ("" or ".NET TP Worker")).Order().ToList();
        var status = File.ReadAllLines($"/proc/{pid}/status");
        var rssKb = long.Parse(status.First(l => l.StartsWith("VmRSS:")).Split(':', 2)[1].Trim().Split(' ')[0]);
        return (names.Count, names, rssKb / 1024);
    }
}
