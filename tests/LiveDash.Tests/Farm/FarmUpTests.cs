using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace LiveDash.Tests.Farm;

/// <summary>./livedash up --instances 2 as a user runs it: HAProxy in front of two apps on the tests' database.</summary>
public class FarmUpTests(ITestOutputHelper output)
{
    const string Password = "farm-up-secret";

    [Fact]
    public async Task HaproxySpreadsRequestsStopsSendingToAKilledInstanceAndSigtermLeavesNothingBehind()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var ct = timeout.Token;
        var root = RepositoryRoot();
        var port = FreePorts(3);
        var farm = FarmApp.NewFarmName();
        // No local agent here: its connection through the proxy would add to the per-instance request counts below (UpAgentTests covers it).
        using var livedash = LivedashUp.Start(root, farm, Password, "--instances", "2", "--port", port.ToString(), "--no-agent");
        var up = livedash.Process;
        try
        {
            var url = await livedash.Ready.WaitAsync(TimeSpan.FromMinutes(3), ct);
            Assert.Equal($"http://127.0.0.1:{port}", url);
            Assert.Single(livedash.Output.Split('\n'), l => l.StartsWith("LiveDash ready:", StringComparison.Ordinal));

            // Clients without cookies (like hey) are spread over both instances.
            using var proxy = new HttpClient(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(10) };
            for (var i = 0; i < 30; i++) (await proxy.GetAsync("/api/ping", ct)).EnsureSuccessStatusCode();
            var sent = await ServerTotals(proxy, ct);
            output.WriteLine($"requests per instance through HAProxy: app-1 {sent["app-1"]}, app-2 {sent["app-2"]}");
            Assert.InRange(sent["app-1"], 10, 20);
            Assert.InRange(sent["app-2"], 10, 20);
            Assert.Contains("app-1", (await proxy.GetStringAsync("/haproxy?stats", ct)));

            // Kill app-2 outright: HAProxy's health checks take it out, and the farm shows it gone.
            var app2 = ProcessesMatching($"--urls http://127.0.0.1:{port + 2}").Single();
            Process.GetProcessById(app2).Kill();
            var killed = Stopwatch.StartNew();
            using var app1 = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port + 1}") };
            app1.DefaultRequestHeaders.Authorization = new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:" + Password)));
            while (!await IsGone(app1, "app-2", ct))
            {
                Assert.True(killed.Elapsed < TimeSpan.FromSeconds(10), "app-2 was never shown as gone");
                await Task.Delay(50, ct);
            }
            output.WriteLine($"app-2 shown as gone after {killed.ElapsedMilliseconds} ms");
            Assert.True(killed.Elapsed < TimeSpan.FromSeconds(5), $"{killed.ElapsedMilliseconds} ms");
            while (!(await proxy.GetStringAsync("/haproxy?stats;csv", ct)).Split('\n').Any(l => l.StartsWith("apps,app-2,", StringComparison.Ordinal) && l.Contains(",DOWN", StringComparison.Ordinal)))
            {
                Assert.True(killed.Elapsed < TimeSpan.FromSeconds(15), "HAProxy never marked app-2 down");
                await Task.Delay(100, ct);
            }
            var before = await ServerTotals(proxy, ct);
            for (var i = 0; i < 20; i++) Assert.Equal(HttpStatusCode.OK, (await proxy.GetAsync("/api/ping", ct)).StatusCode);
            var after = await ServerTotals(proxy, ct);
            Assert.Equal(before["app-2"], after["app-2"]);
            Assert.Equal(before["app-1"] + 20, after["app-1"]);

            // SIGTERM: the script stops HAProxy and the remaining app, and removes its configuration.
            Signal(up.Id, "TERM");
            Assert.True(up.WaitForExit(60_000), "./livedash up did not stop within 60 s of SIGTERM");
            Assert.Equal(0, up.ExitCode);
            Assert.Empty(ProcessesMatching($"--urls http://127.0.0.1:{port + 1}"));
            Assert.Empty(ProcessesMatching($"haproxy-{port}.cfg"));
            Assert.False(File.Exists(Path.Combine(root, ".livedash", $"haproxy-{port}.cfg")));
        }
        finally
        {
            output.WriteLine(livedash.Output);
            if (!up.HasExited) { Signal(up.Id, "TERM"); up.WaitForExit(30_000); }
            foreach (var pid in ProcessesMatching($"127.0.0.1:{port + 1}").Concat(ProcessesMatching($"127.0.0.1:{port + 2}")).Concat(ProcessesMatching($"haproxy-{port}.cfg")))
                try { Process.GetProcessById(pid).Kill(); } catch (ArgumentException) { }
        }
    }


    /// <summary>Requests HAProxy sent to each server (stot in its CSV stats).</summary>
    static async Task<Dictionary<string, long>> ServerTotals(HttpClient proxy, CancellationToken ct)
    {
        var csv = await proxy.GetStringAsync("/haproxy?stats;csv", ct);
        var header = csv.Split('\n')[0].TrimStart('#', ' ').Split(',');
        var stot = Array.IndexOf(header, "stot");
        return csv.Split('\n').Select(l => l.Split(',')).Where(f => f.Length > stot && f[0] == "apps" && f[1].StartsWith("app-", StringComparison.Ordinal))
            .ToDictionary(f => f[1], f => long.Parse(f[stot]));
    }

    static async Task<bool> IsGone(HttpClient admin, string name, CancellationToken ct)
    {
        var instances = await admin.GetFromJsonAsync<JsonElement>("/admin/api/instances", ct);
        return instances.EnumerateArray().Any(i => i.GetProperty("name").GetString() == name && i.GetProperty("gone").GetBoolean());
    }

    internal static List<int> ProcessesMatching(string fragment)
    {
        var pids = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var commandLine = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (commandLine.Contains(fragment, StringComparison.Ordinal) && !commandLine.Contains("livedash up", StringComparison.Ordinal)) pids.Add(pid);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return pids;
    }

    internal static void Signal(int pid, string signal)
    {
        using var kill = Process.Start("kill", $"-{signal} {pid}");
        kill.WaitForExit();
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "LiveDash.sln")) && File.Exists(Path.Combine(dir.FullName, "livedash"))) return dir.FullName;
        throw new InvalidOperationException("the tests run inside the repository (./livedash test)");
    }

    /// <summary>A port with <paramref name="count"/> free ports from it on (HAProxy's and the instances').</summary>
    internal static int FreePorts(int count)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(20_000, 40_000);
            if (Enumerable.Range(port, count).All(IsFree)) return port;
        }
        throw new InvalidOperationException("no free ports");
    }

    static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

/// <summary><c>./livedash up</c> as a user runs it, on the tests' database (none of the caller's settings leak in), its output kept.</summary>
sealed class LivedashUp : IDisposable
{
    readonly StringBuilder _log = new();
    readonly TaskCompletionSource<string> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    LivedashUp(Process process) => Process = process;

    public Process Process { get; }
    /// <summary>The URL of its "LiveDash ready: URL" line, once printed.</summary>
    public Task<string> Ready => _ready.Task;
    public string Output { get { lock (_log) return _log.ToString(); } }

    public static LivedashUp Start(string root, string farm, string password, params string[] arguments)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = root };
        start.ArgumentList.Add(Path.Combine(root, "livedash"));
        start.ArgumentList.Add("up");
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("LiveDash__", StringComparison.Ordinal) || k.StartsWith("ConnectionStrings__", StringComparison.Ordinal)).ToList())
            start.Environment.Remove(name);
        start.Environment["LIVEDASH_PG"] = TestHost.PostgresConnection;
        start.Environment["LIVEDASH_FARM"] = farm;
        start.Environment["LIVEDASH_ADMIN_PASSWORD"] = password;
        var up = new LivedashUp(Process.Start(start)!);
        up.Process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            up.Log(e.Data);
            if (e.Data.StartsWith("LiveDash ready: ", StringComparison.Ordinal)) up._ready.TrySetResult(e.Data["LiveDash ready: ".Length..]);
        };
        up.Process.ErrorDataReceived += (_, e) => { if (e.Data is not null) up.Log(e.Data); };
        up.Process.BeginOutputReadLine();
        up.Process.BeginErrorReadLine();
        return up;
    }

    void Log(string line)
    {
        lock (_log) _log.AppendLine(line);
    }

    public void Dispose() => Process.Dispose();
}
