using System.CommandLine;
using LiveDash.LoadTests.Admin;
using LiveDash.LoadTests.Compare;
using LiveDash.LoadTests.Lecture;
using LiveDash.LoadTests.Running;
using LiveDash.LoadTests.Scenarios;

namespace LiveDash.LoadTests.Cli;

/// <summary>The command line: load, compare, list.</summary>
public sealed class LoadApp(TextWriter output, TextWriter errors)
{
    const string Examples = """

        Examples:
          load orders --target http://127.0.0.1:5000
          load url --path /api/products/1 --users 50 --duration 20 --target http://127.0.0.1:5000
          load url --path /api/orders?user=7 --rate 300 --duration 30 --target http://127.0.0.1:5000
          load lecture --target http://127.0.0.1:5000
          load lecture --workers 0 --target http://127.0.0.1:5000
          load my-scenario.json --target http://localhost:5000 --report out/run1
          compare orders --target http://127.0.0.1:5000 --cooldown 5
          agent --server http://127.0.0.1:5000 --name left
          compare lecture --target http://127.0.0.1:5000
          list

        Exit codes: 0 ok, 2 bad options or scenario, 3 a threshold failed, 4 target unreachable,
        5 the admin API refused or failed, 130 cancelled.
        """;

    readonly Argument<string> _scenario = new("scenario") { Description = "A scenario name (see list) or a path to a scenario .json file" };
    readonly Option<string> _target = new("--target") { Description = "Base URL of the app, e.g. http://127.0.0.1:5000 (loopback only unless --allow-remote)", Required = true };
    readonly Option<double?> _duration = new("--duration") { Description = "Seconds the run lasts (stretches or shrinks the scenario's simulations); without it every run stops at 600 s" };
    readonly Option<double?> _warmUp = new("--warm-up") { Description = "Seconds of load sent before the measured run and counted nowhere (default: the scenario's warmUp; 0 for none; at most the run's length)" };
    readonly Option<int?> _rate = new("--rate") { Description = "Open model: replace the simulations with Inject(R per second)" };
    readonly Option<int?> _users = new("--users") { Description = "Closed model: replace the simulations with KeepConstant(N copies)" };
    readonly Option<string?> _path = new("--path") { Description = "The path the url scenario requests, e.g. /api/products/1" };
    readonly Option<string?> _report = new("--report") { Description = "Report folder (default reports/<yyyyMMdd-HHmmss>-<scenario>/)" };
    readonly Option<long> _maxRequests = new("--max-requests") { Description = "Stop after this many requests", DefaultValueFactory = _ => RunLimits.Default.MaxRequests };
    readonly Option<bool> _allowRemote = new("--allow-remote") { Description = "Allow a target that is not 127.0.0.1/localhost" };
    readonly Option<string?> _adminPassword = new("--admin-password") { Description = "Admin password (else LIVEDASH_ADMIN_PASSWORD, else .livedash/admin-password)" };
    readonly Option<bool> _noDashboard = new("--no-dashboard") { Description = "Do not post the client's per-second figures to the dashboard" };
    readonly Option<double> _cooldown = new("--cooldown") { Description = "Seconds to wait between the modes' runs", DefaultValueFactory = _ => 5 };
    readonly Option<string> _server = new("--server") { Description = "The LiveDash server to serve as a load agent, e.g. http://127.0.0.1:5000 (loopback only unless --allow-remote)", Required = true };
    readonly Option<string?> _name = new("--name") { Description = "This agent's name on the dashboard (default <host>-<pid>)" };
    readonly Option<string?> _passwordFile = new("--password-file") { Description = "File holding the admin password (else LIVEDASH_ADMIN_PASSWORD, else .livedash/admin-password)" };
    readonly Option<string[]> _modes = new("--modes") { Description = "Modes to run, in order (lecture: Sync Async)", AllowMultipleArgumentsPerToken = true };
    readonly Option<int?> _workers = new("--workers") { Description = "Server model for the run, set through the admin API and restored after: 0 = the .NET thread pool, N = N store workers (lecture: 1 by default; compare lecture: 1 and 0)" };

    public async Task<int> RunAsync(string[] args, CancellationToken cancel = default)
    {
        var root = new RootCommand("LiveDash load runner: NBomber-shaped scenarios against the LiveDash store." + Examples);

        var load = new Command("load", "Run one scenario and write a report." + Examples);
        foreach (var option in CommonOptions()) load.Add(option);
        load.Add(_scenario);
        load.SetAction((parse, token) => LoadAsync(Options(parse), token));

        var compare = new Command("compare", "Run the same scenario once per server mode (Sync, Async, SyncOverAsync), switching the mode through the admin API; write a side-by-side report." + Examples);
        foreach (var option in CommonOptions()) compare.Add(option);
        compare.Add(_cooldown);
        compare.Add(_modes);
        compare.Add(_scenario);
        compare.SetAction((parse, token) => CompareAsync(Options(parse), parse.GetValue(_cooldown), parse.GetValue(_modes), token));

        var list = new Command("list", "List the scenarios.");
        list.SetAction(_ =>
        {
            foreach (var (name, description) in ScenarioCatalog.List()) output.WriteLine($"{name,-10} {description}");
            return ExitCodes.Ok;
        });

        var agent = new Command("agent", "Serve as a load agent: connect out to the server, wait for runs started from its dashboard or admin API, and load that server. Runs until Ctrl+C; an agent that loses the server stops its load within 5 s and reconnects." + Examples);
        agent.Add(_server);
        agent.Add(_name);
        agent.Add(_passwordFile);
        agent.Add(_allowRemote);
        agent.SetAction((parse, token) => AgentAsync(parse.GetValue(_server)!, parse.GetValue(_name), parse.GetValue(_passwordFile), parse.GetValue(_allowRemote), token));

        root.Add(load);
        root.Add(agent);
        root.Add(compare);
        root.Add(list);

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) errors.WriteLine($"error: {error.Message}");
            errors.WriteLine("see --help for the options and examples");
            return ExitCodes.Usage;
        }
        return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = errors }, cancel);
    }

    IEnumerable<Option> CommonOptions() => [_target, _duration, _warmUp, _rate, _users, _path, _report, _maxRequests, _allowRemote, _adminPassword, _noDashboard, _workers];

    RunOptions Options(ParseResult parse) => new(
        parse.GetValue(_scenario)!, parse.GetValue(_target)!, parse.GetValue(_duration), parse.GetValue(_rate), parse.GetValue(_users),
        parse.GetValue(_path), parse.GetValue(_report), parse.GetValue(_maxRequests), parse.GetValue(_allowRemote),
        parse.GetValue(_adminPassword), !parse.GetValue(_noDashboard), parse.GetValue(_workers), parse.GetValue(_warmUp));

    static bool IsLecture(ScenarioSession session) => session.Scenario.Name == ScenarioCatalog.Lecture && session.Scenario.Source == "built in";

    async Task<int> LoadAsync(RunOptions options, CancellationToken cancel) => await Guarded(async () =>
    {
        var session = new ScenarioSession(options, output, errors);
        if (await session.ProbeAsync(cancel) is { } unreachable)
        {
            errors.WriteLine(unreachable);
            return ExitCodes.TargetUnreachable;
        }
        var mode = await session.ServerModeAsync(cancel);
        ServerSettings? original = null;
        ServerSettings? during = null;
        var workers = options.ServerWorkers() ?? (IsLecture(session) ? LectureRun.DefaultWorkers : null);
        var wanted = new Dictionary<string, object>();
        if (session.Scenario.ServerDbLatencyMs is { } latency) wanted["dbLatencyMs"] = latency;
        if (workers is { } w) wanted["workers"] = w;
        if (wanted.Count > 0)
        {
            if (session.Admin is null)
                errors.WriteLine($"warning: scenario {session.Scenario.Name} wants the server's {string.Join(", ", wanted.Select(kv => $"{kv.Key} {kv.Value}"))}, but no admin password is known; running with the server's current settings");
            else
            {
                original = await session.Admin.GetAsync(cancel);
                during = await session.Admin.PutAsync(wanted, cancel);
                output.WriteLine($"server: {string.Join(", ", wanted.Select(kv => $"{kv.Key} {kv.Value}"))} for this run (was dbLatencyMs {original.DbLatencyMs}, workers {original.Workers}; restored after)");
            }
        }
        else if (session.Admin is not null)
        {
            try { during = await session.Admin.GetAsync(cancel); }
            catch (Exception e) when (e is HttpRequestException or AdminApiException or System.Text.Json.JsonException) { }
        }
        RunResult result;
        try
        {
            result = await session.RunAsync(mode, cancel, during);
        }
        finally
        {
            if (original is not null && session.Admin is not null)
                await session.Admin.PutAsync(wanted.ContainsKey("workers")
                    ? new { dbLatencyMs = original.DbLatencyMs, workers = original.Workers }
                    : new { dbLatencyMs = original.DbLatencyMs }, CancellationToken.None);
        }
        session.WriteReport(result);
        if (cancel.IsCancellationRequested) return ExitCodes.Cancelled;
        var failed = result.Thresholds.Where(t => !t.Passed).ToList();
        if (failed.Count == 0) return ExitCodes.Ok;
        output.WriteLine($"thresholds failed: {string.Join("; ", failed.Select(t => t.Describe()))}");
        return ExitCodes.ThresholdsFailed;
    });

    async Task<int> CompareAsync(RunOptions options, double cooldownSeconds, string[]? modesAsked, CancellationToken cancel) => await Guarded(async () =>
    {
        if (cooldownSeconds is < 0 or > 600) throw new UsageException($"--cooldown must be from 0 to 600 seconds, got {cooldownSeconds}");
        var session = new ScenarioSession(options, output, errors);
        var lecture = IsLecture(session);
        // The lecture compares the two models it is about: Sync and Async, on one worker and on the thread pool.
        var modes = modesAsked is { Length: > 0 } ? modesAsked : lecture ? ["Sync", "Async"] : ServerAdmin.Modes;
        foreach (var mode in modes)
            if (!ServerAdmin.Modes.Contains(mode)) throw new UsageException($"--modes takes {string.Join(", ", ServerAdmin.Modes)}, got '{mode}'");
        int?[] models = options.ServerWorkers() is { } onlyWorkers ? [onlyWorkers] : lecture ? [LectureRun.DefaultWorkers, 0] : [null];
        if (session.Admin is null)
            throw new UsageException("compare switches the server's mode and needs the admin password: give --admin-password, set LIVEDASH_ADMIN_PASSWORD, or run from the checkout whose .livedash/admin-password the app uses");
        if (await session.ProbeAsync(cancel) is { } unreachable)
        {
            errors.WriteLine(unreachable);
            return ExitCodes.TargetUnreachable;
        }
        var original = await session.Admin.GetAsync(cancel);
        var startedAt = DateTimeOffset.Now;
        var directory = options.ReportDirectory ?? Reports.RunReport.DefaultDirectory("compare-" + session.Scenario.Name, startedAt);
        var runs = new List<RunResult>();
        try
        {
            foreach (var workers in models)
            foreach (var mode in modes)
            {
                if (cancel.IsCancellationRequested) break;
                if (runs.Count > 0 && cooldownSeconds > 0)
                {
                    output.WriteLine($"cooling down {cooldownSeconds:0.#} s");
                    await Task.Delay(TimeSpan.FromSeconds(cooldownSeconds), cancel);
                }
                var latency = session.Scenario.ServerDbLatencyMs ?? original.DbLatencyMs;
                var during = await session.Admin.PutAsync(workers is { } w ? new { mode, dbLatencyMs = latency, workers = w } : new { mode, dbLatencyMs = latency }, cancel);
                output.WriteLine(workers is null ? $"== {mode} ==" : $"== {mode}, {LectureRun.DescribeModel(workers)} ==");
                var result = await session.RunAsync(mode, cancel, during);
                if (workers is not null) result = result with { ServerWorkers = workers };
                session.WriteReport(result, Path.Combine(directory, models.Length > 1 ? $"{mode}-workers{workers}" : mode));
                runs.Add(result);
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
        }
        finally
        {
            await RestoreAsync(session.Admin, original);
        }
        if (runs.Count == 0) return ExitCodes.Cancelled;
        CompareReport.Write(runs, directory);
        output.WriteLine();
        output.WriteLine($"{"mode",-28} {"requests/s",11} {"p50 ms",9} {"p99 ms",9} {"errors %",9}");
        foreach (var r in runs)
            output.WriteLine($"{r.ServerMode + (r.ServerWorkers is { } w ? ", " + LectureRun.DescribeModel(w) : ""),-28} {r.RequestsPerSecond,11:0.0} {r.Corrected.P50,9:0.0} {r.Corrected.P99,9:0.0} {r.ErrorPercent,9:0.##}");
        foreach (var ratio in CompareReport.Ratios(runs)) output.WriteLine($"async/sync {ratio[0]}: {ratio[1]}");
        if (runs.Any(r => r.Lecture.Count > 0)) WriteLectureSideBySide(runs.Where(r => r.Lecture.Count > 0).ToList());
        output.WriteLine($"compare report: {Path.Combine(directory, "report.html")}");
        return cancel.IsCancellationRequested ? ExitCodes.Cancelled : ExitCodes.Ok;
    });

    async Task<int> AgentAsync(string server, string? name, string? passwordFile, bool allowRemote, CancellationToken cancel)
    {
        if (!Uri.TryCreate(server, UriKind.Absolute, out var serverUri))
        {
            errors.WriteLine($"error: --server must be an http:// or https:// URL like http://127.0.0.1:5000, got '{server}'");
            return ExitCodes.Usage;
        }
        string? password;
        if (passwordFile is not null)
        {
            try
            {
                password = File.ReadAllText(passwordFile).Trim();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                errors.WriteLine($"error: --password-file {passwordFile}: {e.Message}");
                return ExitCodes.Usage;
            }
        }
        else password = AdminCredentials.Find(null);
        if (string.IsNullOrEmpty(password))
        {
            errors.WriteLine("error: the agent needs the server's admin password: set LIVEDASH_ADMIN_PASSWORD, give --password-file, or run from the checkout whose .livedash/admin-password the server uses");
            return ExitCodes.Usage;
        }
        Agent.LoadAgent agent;
        try
        {
            agent = new Agent.LoadAgent(serverUri, name ?? Agent.LoadAgent.DefaultName(), password, output, allowRemote);
        }
        catch (ArgumentException e)
        {
            errors.WriteLine($"error: {e.Message.Split(" (Parameter")[0]}");
            return ExitCodes.Usage;
        }
        try
        {
            var memory = Agent.MemoryReport.StartIfAsked(output, cancel);
            await agent.RunAsync(cancel);
            await memory;
            output.WriteLine($"agent {agent.Name}: stopped");
            return ExitCodes.Ok;
        }
        catch (Agent.AgentRefusedException e)
        {
            errors.WriteLine($"error: {e.Message}");
            return ExitCodes.AdminApiFailed;
        }
    }

    /// <summary>
    /// Puts the server's settings back. After a starving run (SyncOverAsync) the server may not answer
    /// for a while, so this retries for up to 90 s and then says plainly what to set by hand.
    /// </summary>
    async Task RestoreAsync(ServerAdmin admin, ServerSettings original)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var said = false;
        while (true)
        {
            try
            {
                await admin.PutAsync(new { mode = original.Mode, dbLatencyMs = original.DbLatencyMs, minThreads = original.MinThreads, workers = original.Workers }, CancellationToken.None);
                output.WriteLine($"server settings restored: mode {original.Mode}, dbLatencyMs {original.DbLatencyMs}, minThreads {original.MinThreads}, workers {original.Workers}");
                return;
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException or AdminApiException)
            {
                if (clock.Elapsed > TimeSpan.FromSeconds(90))
                {
                    errors.WriteLine($"warning: could not restore the server's settings ({e.Message}); set mode {original.Mode}, dbLatencyMs {original.DbLatencyMs}, minThreads {original.MinThreads}, workers {original.Workers} on the admin page");
                    return;
                }
                if (!said) output.WriteLine("the server is still catching up; retrying the settings restore");
                said = true;
                await Task.Delay(TimeSpan.FromSeconds(2));
            }
        }
    }

    /// <summary>The lecture in each mode and server model, one row each: every request's time, the short one against its time alone, the order.</summary>
    void WriteLectureSideBySide(IReadOnlyList<RunResult> runs)
    {
        output.WriteLine();
        output.WriteLine("lecture, side by side (took = response time; the short request #3 against its time alone):");
        output.WriteLine($"{"model",-12} {"mode",-14} {"#1 took",9} {"#2 took",9} {"#3 took",9} {"#3 alone",9} {"#3 vs alone",11}  order");
        foreach (var r in runs)
        {
            var l = r.Lecture;
            string Took(int i) => i < l.Count ? $"{l[i].DurationMs:0} ms" : "–";
            var last = l[^1];
            output.WriteLine($"{LectureRun.DescribeModel(r.ServerWorkers),-12} {r.ServerMode,-14} {Took(0),9} {Took(1),9} {Took(2),9} {$"{last.AloneMs:0} ms",9} {$"{last.SlowerThanAlone:0.0}x",11}  {Reports.RunReport.CompletionOrder(r)}");
        }
    }

    async Task<int> Guarded(Func<Task<int>> run)
    {
        try
        {
            return await run();
        }
        catch (Exception e) when (e is UsageException or ScenarioException)
        {
            errors.WriteLine($"error: {e.Message}");
            return ExitCodes.Usage;
        }
        catch (AdminApiException e)
        {
            errors.WriteLine($"error: {e.Message}");
            return ExitCodes.AdminApiFailed;
        }
        catch (HttpRequestException e)
        {
            errors.WriteLine($"error: the target stopped answering: {e.Message}");
            return ExitCodes.TargetUnreachable;
        }
        catch (OperationCanceledException)
        {
            errors.WriteLine("cancelled");
            return ExitCodes.Cancelled;
        }
    }
}
