using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

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

/// <summary>The web app as a child process on a free loopback port, on the tests' database.</summary>
sealed class AppProcess : IDisposable
{
    readonly Process _process;
    readonly string _stateDir;
    readonly StringBuilder _log = new();

    AppProcess(Process process, Uri baseAddress, string stateDir)
    {
        _process = process;
        BaseAddress = baseAddress;
        _stateDir = stateDir;
    }

    public Uri BaseAddress { get; }

    public static async Task<AppProcess> StartAsync(string password, CancellationToken ct, params (string Name, string Value)[] settings)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "LiveDash.Web.dll");
        var port = FreePort();
        var stateDir = Directory.CreateTempSubdirectory("livedash-process-tests-").FullName;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = AppContext.BaseDirectory };
        foreach (var argument in new[] { dll, "--urls", $"http://127.0.0.1:{port}", "--contentRoot", AppContext.BaseDirectory }) start.ArgumentList.Add(argument);
        // Only what the test chooses: nothing from the caller's environment decides the app's settings.
        string[] callers = ["LiveDash__", "LIVEDASH_", "Database__", "ConnectionStrings__", "ASPNETCORE_", "Telemetry__", "OTEL_", "OpenTelemetry__"];
        foreach (var name in start.Environment.Keys.Where(k => callers.Any(p => k.StartsWith(p, StringComparison.OrdinalIgnoreCase))).ToList())
            start.Environment.Remove(name);
        start.Environment["ConnectionStrings__Postgres"] = TestHost.PostgresConnection;
        start.Environment["LiveDash__AdminPassword"] = password;
        start.Environment["LiveDash__StateDir"] = stateDir;
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["LiveDash__Farm"] = "test-" + Guid.NewGuid().ToString("N");
        foreach (var (name, value) in settings) start.Environment[name] = value;
        var process = Process.Start(start)!;
        var app = new AppProcess(process, new Uri($"http://127.0.0.1:{port}"), stateDir);
        process.OutputDataReceived += (_, e) => app.Log(e.Data);
        process.ErrorDataReceived += (_, e) => app.Log(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var probe = new HttpClient { BaseAddress = app.BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        while (true)
        {
            if (process.HasExited)
            {
                process.WaitForExit();   // without a timeout it also waits until the redirected output has been read to its end
                throw new InvalidOperationException($"the app exited with {process.ExitCode}:\n{app.Output}");
            }
            try
            {
                if ((await probe.GetAsync("/api/health", ct)).StatusCode == HttpStatusCode.OK) return app;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested) { }
            await Task.Delay(200, ct);
        }
    }

    public string Output { get { lock (_log) return _log.ToString(); } }

    void Log(string? line)
    {
        if (line is null) return;
        lock (_log) if (_log.Length < 100_000) _log.AppendLine(line);
    }

    public HttpClient Http(string password)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:" + password)));
        return client;
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
        try { Directory.Delete(_stateDir, recursive: true); } catch (IOException) { }
    }
}
