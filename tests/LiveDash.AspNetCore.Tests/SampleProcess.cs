using System.Diagnostics;
using System.Text.Json;
using LiveDash.Tests.Shared;

namespace LiveDash.AspNetCore.Tests;

/// <summary>An app (the sample, or a copy of it) run as its own process on 127.0.0.1 and a free port, stopped on dispose.</summary>
sealed class SampleProcess : IAsyncDisposable
{
    readonly Process _process;
    readonly System.Text.StringBuilder _output = new();

    public Uri BaseAddress { get; }

    public int ProcessId => _process.Id;
    public HttpClient Client { get; }

    SampleProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public string Output { get { lock (_output) return _output.ToString(); } }

    /// <summary>The repository's root: the folder above the test's output that holds the ./livedash script.</summary>
    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "livedash")) && File.Exists(Path.Combine(dir.FullName, "LiveDash.sln"))) return dir.FullName;
        throw new InvalidOperationException("the repository root (with ./livedash) is not above " + AppContext.BaseDirectory);
    }

    /// <summary>The sample as built with the solution (same configuration as these tests).</summary>
    public static string SampleDll() => Path.Combine(RepoRoot(), "samples", "MinimalApi", "bin",
#if DEBUG
        "Debug",
#else
        "Release",
#endif
        "net10.0", "MinimalApi.dll");


    /// <param name="environment">Variables for the app's process, e.g. OTEL_EXPORTER_OTLP_ENDPOINT.</param>
    public static async Task<SampleProcess> StartAsync(string dll, params (string Name, string Value)[] environment)
    {
        Assert.True(File.Exists(dll), $"{dll} is missing: build the solution first");
        var port = ChildProcess.FreePort();
        var url = $"http://127.0.0.1:{port}";
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(dll);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add(url);
        info.Environment.Remove("ASPNETCORE_ENVIRONMENT");
        info.Environment.Remove("DOTNET_ENVIRONMENT");
        info.Environment.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");
        foreach (var (name, value) in environment) info.Environment[name] = value;
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet");
        var app = new SampleProcess(process, new Uri(url + "/"));
        process.OutputDataReceived += (_, e) => app.Append(e.Data);
        process.ErrorDataReceived += (_, e) => app.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited) break;
            try
            {
                using var response = await app.Client.GetAsync("livedash/api/summary?seconds=1");
                if (response.IsSuccessStatusCode) return app;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(200);
        }
        var output = app.Output;
        await app.DisposeAsync();
        throw new InvalidOperationException($"{dll} did not answer on {url} within 60 s:\n{output}");
    }

    void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    /// <summary>GET {path}/api/summary?seconds=N as JSON.</summary>
    public async Task<JsonElement> SummaryAsync(int seconds)
    {
        var json = await Client.GetStringAsync($"livedash/api/summary?seconds={seconds}");
        return JsonDocument.Parse(json).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
