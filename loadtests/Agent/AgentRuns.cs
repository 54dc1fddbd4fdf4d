using LiveDash.LoadTests.Running;
using LiveDash.LoadTests.Scenarios;

namespace LiveDash.LoadTests.Agent;

/// <summary>
/// The load side of a <see cref="LoadAgent"/>: runs what the server asks for, one run at a time, applies its changes,
/// stops it, and puts every finished second, change and end in the <see cref="AgentOutbox"/>. It knows nothing of
/// the connection: the agent hands it the server's messages and tells it when the server is lost.
/// </summary>
sealed class AgentRuns(string agent, Uri server, AgentOutbox outbox, TextWriter log)
{
    volatile AgentRun? _current;

    /// <summary>The run going on now, if any.</summary>
    public AgentRun? Current => _current;

    /// <summary>The last run that ended (its result).</summary>
    public AgentRun? Last { get; private set; }

    public void Start(StartRun start)
    {
        if (_current is { } busy)
        {
            outbox.Add(new RunEnded(start.Run, "refused", 0, 0, 0, 0, null, null, null, $"agent {agent} is busy with run {busy.Id}"));
            return;
        }
        Scenario scenario;
        try
        {
            scenario = Plan(start);
        }
        catch (ScenarioException e)
        {
            outbox.Add(new RunEnded(start.Run, "refused", 0, 0, 0, 0, null, null, null, e.Message));
            return;
        }
        // Connections are capped generously: users can be raised mid-run, and the run's copies need one each.
        var http = LoadHttp.Create(Math.Max(scenario.MaxInFlight, ScenarioFile.MaxCopies));
        var runner = new LoadRunner(http, server, scenario, new RunLimits(TimeSpan.FromSeconds(Math.Min(start.DurationSeconds, LoadAgent.MaxDurationSeconds)), RunLimits.Default.MaxRequests))
        {
            KeepSecondBuckets = true,
        };
        var run = new AgentRun(start.Run, runner, http);
        if (start.Users is { } users) runner.ChangeLoad(new LoadChange(Copies: users));
        else if (start.Rate is { } rate) runner.ChangeLoad(new LoadChange(PerSecond: rate));
        _current = run;
        log.WriteLine($"agent {agent}: run {start.Run}: {start.Scenario}{(start.Path is null ? "" : " " + start.Path)}, "
            + (start.Users is { } u ? $"{u} users" : start.Rate is { } r ? $"{r:0.##}/s" : $"share {start.Share + 1} of {start.Of}") + $", {start.DurationSeconds:0.#} s"
            + (scenario.WarmUp > TimeSpan.Zero ? $" after a {scenario.WarmUp.TotalSeconds:0.#} s warm-up" : ""));
        outbox.Add(new ChangeApplied(run.Id, start.Users, start.Rate));
        run.Completion = RunToEndAsync(run);
    }

    async Task RunToEndAsync(AgentRun run)
    {
        try
        {
            var result = await run.Runner.RunAsync(run.Stopping);
            run.Result = result;
            run.SendFinishedSeconds(outbox, final: true);
            var stats = run.Runner.CurrentStats!;
            outbox.Add(new RunEnded(run.Id, run.StopReason ?? result.StopReason, result.Seconds, result.Requests, result.Errors, result.Dropped,
                WireHistogram.Of(stats.Corrected), WireHistogram.Of(stats.Raw), result.ErrorsByKind));
            log.WriteLine($"agent {agent}: run {run.Id} ended ({run.StopReason ?? result.StopReason}): {result.Requests} requests, {result.RequestsPerSecond:0.#}/s, p50 {result.Corrected.P50:0.#} ms, p99 {result.Corrected.P99:0.#} ms, {result.Errors} errors");
        }
        finally
        {
            run.Http.Dispose();
            Last = run;
            _current = null;
        }
    }

    public void Change(ChangeRun change)
    {
        if (_current is not { } run || run.Id != change.Run) return;
        try
        {
            run.Runner.ChangeLoad(new LoadChange(change.Users, change.Rate));
            outbox.Add(new ChangeApplied(run.Id, change.Users, change.Rate));
        }
        catch (ArgumentException e)
        {
            log.WriteLine($"agent {agent}: run {run.Id}: change refused: {e.Message}");
        }
    }

    /// <summary>The server stopped <paramref name="stop"/>'s run.</summary>
    public void Stop(StopRun stop)
    {
        if (_current is { } run && run.Id == stop.Run) run.Cancel();
    }

    /// <summary>The agent stops the run going on, for <paramref name="reason"/>.</summary>
    public void StopCurrent(string reason) => _current?.Cancel(reason);

    /// <summary>The safety stop: the connection is gone, so the run going on stops at once.</summary>
    public void LostServer() => _current?.LostServer();

    /// <summary>For a heartbeat: the run's finished seconds go to the outbox; the status to send, and the run it speaks of.</summary>
    public (AgentStatus Status, AgentRun? Run) Report()
    {
        var run = _current;
        run?.SendFinishedSeconds(outbox, final: false);
        var snapshot = run?.Runner.Snapshot();
        return (new AgentStatus(run is null ? AgentStatus.Idle : AgentStatus.Running, run?.Id,
            snapshot?.LastSecondRequests ?? 0, snapshot?.Errors ?? 0, snapshot?.InFlight ?? 0, snapshot?.WarmingUp ?? false), run);
    }

    /// <summary>The scenario this agent runs for its share of a run.</summary>
    internal static Scenario Plan(StartRun start)
    {
        if (start.Scenario == ScenarioCatalog.Lecture || start.Scenario.Contains('/') || start.Scenario.Contains('\\') || start.Scenario.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            throw new ScenarioException(start.Scenario, "scenario", $"agents run the catalogue's scenarios ({string.Join(", ", LoadAgent.AgentScenarios())}), not the lecture or files");
        if (!(start.DurationSeconds > 0 && start.DurationSeconds <= LoadAgent.MaxDurationSeconds))
            throw new ScenarioException(start.Scenario, "durationSeconds", $"must be more than 0 and at most {LoadAgent.MaxDurationSeconds:0}, got {start.DurationSeconds}");
        var during = TimeSpan.FromSeconds(start.DurationSeconds);
        if (!(start.WarmUpSeconds >= 0 && start.WarmUpSeconds <= LoadAgent.MaxWarmUpSeconds))
            throw new ScenarioException(start.Scenario, "warmUpSeconds", $"must be from 0 to {LoadAgent.MaxWarmUpSeconds:0}, got {start.WarmUpSeconds}");
        // The server decides the warm-up (the scenario's own unless the run says otherwise).
        var scenario = ScenarioCatalog.Resolve(start.Scenario, new ScenarioOverrides(during, Path: start.Path, WarmUp: TimeSpan.FromSeconds(start.WarmUpSeconds)));
        IReadOnlyList<LoadSimulation> simulations;
        if (start.Users is not null) simulations = [new KeepConstant(1, during)];
        else if (start.Rate is not null) simulations = [new Inject(1, TimeSpan.FromSeconds(1), during)];
        else
        {
            var of = Math.Max(1, start.Of);
            var share = Math.Clamp(start.Share, 0, of - 1);
            simulations = scenario.LoadSimulations.Select(s => s switch
            {
                KeepConstant k => k with { Copies = LoadAgent.Split(k.Copies, share, of) },
                RampingConstant r => r with { Copies = LoadAgent.Split(r.Copies, share, of) },
                OpenSimulation o => (LoadSimulation)(o with { Interval = o.Interval * of }),
                _ => s,
            }).ToList();
        }
        return scenario with { LoadSimulations = simulations };
    }
}
