using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using LiveDash.Tests.Shared;

namespace LiveDash.Tests.Telemetry;

/// <summary>
/// The real standalone Aspire dashboard, restored by the project's own restore file
/// (scripts/aspire-dashboard/AspireDashboard.csproj, into .livedash/nuget like ./livedash up --otel),
/// on free loopback ports, unsecured: an OTLP backend whose HTTP API answers what it received.
/// </summary>
sealed partial class AspireDashboard : IDisposable
{
    static readonly SemaphoreSlim RestoreLock = new(1, 1);
    readonly Process _process;

    AspireDashboard(Process process, Uri ui, Uri otlpGrpc)
    {
        _process = process;
        Ui = ui;
        OtlpGrpc = otlpGrpc;
    }

    public Uri Ui { get; }
    public Uri OtlpGrpc { get; }

    public static async Task<AspireDashboard> StartAsync(CancellationToken ct)
    {
        var executable = await RestoreAsync(ct);
        int ui = ChildProcess.FreePort(), grpc = ChildProcess.FreePort(), http = ChildProcess.FreePort();
        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{ui}";
        start.Environment["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = $"http://127.0.0.1:{grpc}";
        start.Environment["ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL"] = $"http://127.0.0.1:{http}";
        start.Environment["ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS"] = "true";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var dashboard = new AspireDashboard(process, new Uri($"http://127.0.0.1:{ui}"), new Uri($"http://127.0.0.1:{grpc}"));
        using var probe = new HttpClient { BaseAddress = dashboard.Ui, Timeout = TimeSpan.FromSeconds(2) };
        while (true)
        {
            if (process.HasExited) throw new InvalidOperationException($"the Aspire dashboard exited with {process.ExitCode}");
            try
            {
                if ((await probe.GetAsync("/api/telemetry/resources", ct)).IsSuccessStatusCode) return dashboard;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested) { }
            await Task.Delay(200, ct);
        }
    }

    /// <summary>Every span the dashboard holds for one service, flattened.</summary>
    public async Task<IReadOnlyList<Span>> SpansAsync(string service, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = Ui, Timeout = TimeSpan.FromSeconds(30) };
        using var json = JsonDocument.Parse(await http.GetStringAsync($"/api/telemetry/spans?resource={Uri.EscapeDataString(service)}&limit=1000000", ct));
        var spans = new List<Span>();
        foreach (var resource in json.RootElement.GetProperty("data").GetProperty("resourceSpans").EnumerateArray())
        foreach (var scope in resource.GetProperty("scopeSpans").EnumerateArray())
        {
            var scopeName = scope.GetProperty("scope").GetProperty("name").GetString() ?? "";
            foreach (var s in scope.GetProperty("spans").EnumerateArray())
            {
                var attributes = new Dictionary<string, string>();
                if (s.TryGetProperty("attributes", out var list))
                    foreach (var a in list.EnumerateArray())
                        attributes[a.GetProperty("key").GetString()!] = a.GetProperty("value").EnumerateObject().First().Value.ToString();
                spans.Add(new Span(scopeName, s.GetProperty("name").GetString()!, s.GetProperty("spanId").GetString()!,
                    s.TryGetProperty("parentSpanId", out var parent) ? parent.GetString() : null,
                    long.Parse(s.GetProperty("startTimeUnixNano").GetString()!), long.Parse(s.GetProperty("endTimeUnixNano").GetString()!), attributes));
            }
        }
        return spans;
    }

    public sealed record Span(string Scope, string Name, string Id, string? ParentId, long StartNs, long EndNs, IReadOnlyDictionary<string, string> Attributes)
    {
        public double DurationMs => (EndNs - StartNs) / 1e6;
    }

    /// <summary>Restores the pinned package once (dotnet restore of the project's restore file) and returns the executable.</summary>
    static async Task<string> RestoreAsync(CancellationToken ct)
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "scripts", "aspire-dashboard", "AspireDashboard.csproj"))) root = root.Parent;
        if (root is null) throw new InvalidOperationException("scripts/aspire-dashboard/AspireDashboard.csproj not found above the test binaries");
        var project = Path.Combine(root.FullName, "scripts", "aspire-dashboard", "AspireDashboard.csproj");
        var version = PinnedVersion().Match(await File.ReadAllTextAsync(project, ct)).Groups[1].Value;
        var packages = Path.Combine(root.FullName, ".livedash", "nuget");
        var executable = Path.Combine(packages, "aspire.dashboard.sdk.linux-x64", version, "tools", "Aspire.Dashboard");
        await RestoreLock.WaitAsync(ct);
        try
        {
            if (File.Exists(executable)) return executable;
            var restore = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { "restore", project, "--packages", packages }) restore.ArgumentList.Add(argument);
            using var process = Process.Start(restore)!;
            var output = process.StandardOutput.ReadToEndAsync(ct);
            await process.WaitForExitAsync(ct);
            if (process.ExitCode != 0 || !File.Exists(executable))
                throw new InvalidOperationException($"restoring the Aspire dashboard failed ({process.ExitCode}):\n{await output}");
            return executable;
        }
        finally
        {
            RestoreLock.Release();
        }
    }

    [GeneratedRegex("""Include="Aspire.Dashboard.Sdk.linux-x64" Version="\[([^\]]+)\]""")]
    private static partial Regex PinnedVersion();


    public void Dispose() => ChildProcess.Stop(_process);
}
