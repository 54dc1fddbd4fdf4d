using System.Net.Http.Json;
using System.Text.Json;
using LiveDash.LoadTests.Admin;
using LiveDash.LoadTests.Lecture;
using LiveDash.LoadTests.Live;
using LiveDash.LoadTests.Reports;
using LiveDash.LoadTests.Running;
using LiveDash.LoadTests.Scenarios;

namespace LiveDash.LoadTests.Cli;

/// <summary>
/// Everything around one scenario run that load and compare share: checks, the target probe, the
/// live view, dashboard ticks, server settings the scenario asks for, the summary and the report.
/// </summary>
public sealed class ScenarioSession(RunOptions options, TextWriter output, TextWriter errors)
{
    public Uri Target { get; } = options.TargetUri();
    public RunLimits Limits { get; } = options.Limits();
    public Scenario Scenario { get; } = ScenarioCatalog.Resolve(options.Scenario, options.Overrides());
    public ServerAdmin? Admin { get; } = AdminCredentials.Find(options.AdminPassword) is { } password ? new ServerAdmin(new Uri(options.Target), password) : null;

    /// <summary>Any HTTP answer means the target is there; only a failure to connect or answer is unreachable.</summary>
    public async Task<string?> ProbeAsync(CancellationToken cancel)
    {
        using var http = LoadHttp.Create(1);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            using var response = await http.GetAsync(Target, timeout.Token);
            return null;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !cancel.IsCancellationRequested)
        {
            return $"target {Target} is unreachable: {(e is OperationCanceledException ? "no answer within 5 s" : e.Message)}";
        }
    }

    /// <summary>The server's mode from the admin API, else from /api/health; null if neither says.</summary>
    public async Task<string?> ServerModeAsync(CancellationToken cancel)
    {
        try
        {
            if (Admin is not null) return (await Admin.GetAsync(cancel)).Mode;
        }
        catch (Exception e) when (e is HttpRequestException or AdminApiException or OperationCanceledException or JsonException)
        {
            errors.WriteLine($"warning: could not read the server's settings: {e.Message}");
        }
        try
        {
            using var http = LoadHttp.Create(1);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            var health = await http.GetFromJsonAsync<JsonElement>(new Uri(Target, "/api/health"), timeout.Token);
            return health.TryGetProperty("settings", out var s) && s.TryGetProperty("mode", out var m) ? m.GetString() : null;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or JsonException or NotSupportedException)
        {
            return null;
        }
    }

    /// <param name="server">The server's settings for this run when the admin API told them (the lecture draws its model from them).</param>
    public async Task<RunResult> RunAsync(string? serverMode, CancellationToken cancel, ServerSettings? server = null)
    {
        var interactive = ConsoleView.IsTerminal(output);
        var view = new ConsoleView(output, interactive);
        output.WriteLine($"scenario {Scenario.Name} against {Target} (server mode {serverMode ?? "unknown"}): {string.Join(", ", Scenario.LoadSimulations.Select(s => s.Describe()))}"
            + (Scenario.WarmUp > TimeSpan.Zero ? $", after a {DurationText.Format(Scenario.WarmUp)} warm-up" : ""));
        if (Scenario.Duration > Limits.MaxDuration)
            output.WriteLine($"note: the scenario lasts {Scenario.Duration.TotalSeconds:0} s; this run stops at {Limits.MaxDuration.TotalSeconds:0} s (give --duration to change it)");

        if (Scenario.Name == ScenarioCatalog.Lecture && Scenario.Source == "built in")
        {
            using var lectureHttp = LoadHttp.Create(8);
            var lecture = await new LectureRun(lectureHttp, Target, output, LectureRun.CrowdFor(server?.Workers, options.Users))
            {
                Dashboard = options.PostClientTicks ? Admin?.Http : null,
                ServerWorkers = server?.Workers,
                ServerDbLatencyMs = server?.DbLatencyMs,
                Warnings = errors,
            }.RunAsync(Scenario, serverMode, cancel);
            return lecture;
        }

        using var http = LoadHttp.Create(Scenario.IsOpen ? Scenario.MaxInFlight : Scenario.MaxCopies);
        var runner = new LoadRunner(http, Target, Scenario, Limits) { ServerMode = serverMode };
        var ticks = options.PostClientTicks && Admin is not null ? new ClientTicks(Admin.Http, Scenario.Name, errors) : null;
        var result = await view.ShowAsync(runner.RunAsync(cancel), runner.Snapshot, ticks is null ? null : ticks.Post);
        view.Summary(result);
        return result;
    }

    public string WriteReport(RunResult result, string? directory = null)
    {
        directory ??= options.ReportDirectory ?? RunReport.DefaultDirectory(Scenario.Name, result.StartedAt);
        RunReport.Write(result, directory);
        output.WriteLine($"report: {Path.Combine(directory, "report.html")}");
        return directory;
    }
}
