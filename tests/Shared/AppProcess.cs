using System.Diagnostics;
using System.Net;
using System.Text;

namespace LiveDash.Tests.Shared;

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
        var port = ChildProcess.FreePort();
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


    public void Dispose()
    {
        ChildProcess.Stop(_process);
        try { Directory.Delete(_stateDir, recursive: true); } catch (IOException) { }
    }
}
