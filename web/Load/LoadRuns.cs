using System.Diagnostics;
using LiveDash.Admin;
using LiveDash.AspNetCore;
using LiveDash.Store;
using LiveDash.Telemetry;
using LiveDash.LoadTests.Agent;
using LiveDash.LoadTests.Running;
using LiveDash.Site;

namespace LiveDash.Load;

/// <summary>
/// Starts, steers and stops runs on the connected agents, merges what they report, and feeds the
/// dashboard's client-latency overlay with the merged view (one line per agent on request).
/// In a farm (<see cref="LoadFarm"/>) every instance keeps every run: what happens here is applied at once and
/// published, what happens on the others arrives as events; only the instance holding an agent's socket sends to it.
/// </summary>
public sealed class LoadRuns(LoadAgents agents, LiveDashFeed recorder, RuntimeSettings settings, TimeProvider time, ILogger<LoadRuns> log)
{
    const int KeepRuns = 20;
    /// <summary>A run whose agents have not all reported its end this long after its duration is closed anyway (their requests time out after 30 s).</summary>
    static readonly TimeSpan EndGrace = TimeSpan.FromSeconds(40);

    readonly Lock _gate = new();
    readonly List<LoadRun> _runs = [];
    long _nextId;

    /// <summary>Set when this instance is in a farm on PostgreSQL.</summary>
    internal LoadFarm? Farm { get; set; }

    public LoadRun? Find(string id)
    {
        lock (_gate) return _runs.FirstOrDefault(r => r.Id == id);
    }

    /// <summary>As <see cref="Find"/>; in a farm, an unknown id waits for what the others sent before (a run just started through another instance).</summary>
    public async Task<LoadRun?> FindAsync(string id, CancellationToken cancel)
    {
        if (Find(id) is { } run) return run;
        if (Farm is null) return null;
        await Farm.BarrierAsync(cancel);
        return Find(id);
    }

    /// <summary>
    /// In a farm, returns once everything the instances NOTIFYed before has been applied here. The API calls it
    /// before a change (so it applies to the run as the farm has it) and after (so the change has reached the farm
    /// before the answer does: the next request may go to another instance).
    /// </summary>
    public Task SyncAsync(CancellationToken cancel) => Farm?.BarrierAsync(cancel) ?? Task.CompletedTask;

    public IReadOnlyList<LoadRun> All()
    {
        lock (_gate) return _runs.ToList();
    }

    /// <summary>Every agent this instance knows of: its own, and in a farm those the other instances hold.</summary>
    public IReadOnlyList<AgentView> Agents()
    {
        var local = agents.All().Select(a => a.View());
        if (Farm is null) return local.ToList();
        // A name held on two instances (one lost, one live) shows its live side.
        return local.Concat(Farm.RemoteAgents())
            .GroupBy(a => a.Name, StringComparer.Ordinal)
            .Select(g => g.FirstOrDefault(a => a.State != AgentConnection.Lost) ?? g.First())
            .OrderBy(a => a.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>Whether an agent of this name is connected anywhere in the farm.</summary>
    public bool IsLive(string name) => agents.IsLive(name) || Farm?.RemoteAgent(name) is not null;

    public async Task<(LoadRun? Run, ApiError? Error)> StartAsync(RunRequest request, CancellationToken cancel)
    {
        List<string> chosen;
        lock (_gate)
        {
            var (names, refused) = Choose(request);
            if (names is null) return (null, refused);
            chosen = names;
        }
        string id;
        if (Farm is not null && await Farm.NextRunIdAsync(cancel) is { } farmId) id = farmId;
        else id = Interlocked.Increment(ref _nextId).ToString(System.Globalization.CultureInfo.InvariantCulture);
        lock (_gate)
        {
            // Checked again: another start may have taken an agent while the id was fetched.
            if (Choose(request with { Agents = chosen }) is (null, var taken)) return (null, taken);
            var run = ApplyStart(id, request, chosen);
            Farm?.Publish(new RunStartedEvent(id, request, chosen));
            return (run, null);
        }
    }

    (List<string>? Names, ApiError? Error) Choose(RunRequest request)
    {
        var all = Agents();
        if (request.Agents is { Count: > 0 } names)
        {
            var chosen = new List<string>();
            foreach (var name in names.Distinct(StringComparer.Ordinal))
            {
                if (!all.Any(a => a.Name == name && a.State != AgentConnection.Lost)) return (null, new ApiError($"agent '{name}' is not connected (connected: {Connected(all)})", "agents"));
                if (BusyWith(name) is { } busy) return (null, new ApiError($"agent '{name}' is busy with run {busy}; stop that run first", "agents"));
                chosen.Add(name);
            }
            return (chosen, null);
        }
        var idle = all.Where(a => a.State != AgentConnection.Lost && BusyWith(a.Name) is null).Select(a => a.Name).ToList();
        if (idle.Count > 0) return (idle, null);
        return (null, new ApiError(all.Any(a => a.State != AgentConnection.Lost)
            ? "every connected agent is busy; stop a run first"
            : "no load agent is connected; start one with ./livedash agent --server <this server's URL>", "agents"));
    }

    /// <summary>The run an agent is busy with: its own connection says so, and in a farm so does any active run it takes part in.</summary>
    string? BusyWith(string name)
    {
        if (agents.Find(name) is { IsLost: false, Run: { } run }) return run;
        if (Farm is null) return null;
        return _runs.FirstOrDefault(r => r.IsActive && r.Agents.Any(p => p.Name == name && !p.Lost && !r.Merge.HasEnded(name)))?.Id;
    }

    static string Connected(IReadOnlyList<AgentView> all) =>
        all.Where(a => a.State != AgentConnection.Lost).Select(a => a.Name).DefaultIfEmpty("none").Aggregate((a, b) => a + ", " + b);

    /// <summary>Creates the run (here, or as a copy of one started on another instance) and starts the agents this instance holds.</summary>
    internal LoadRun ApplyStart(string id, RunRequest request, IReadOnlyList<string> names)
    {
        lock (_gate)
        {
            if (_runs.FirstOrDefault(r => r.Id == id) is { } known) return known;
            if (long.TryParse(id, out var number) && number > _nextId) _nextId = number;
            var parts = names.Select(n => new RunAgent(n)).ToList();
            var merge = new RunMerge(request.Scenario, $"this server, from agents {string.Join(", ", names)}", request.OpenModel, time.GetLocalNow());
            var run = new LoadRun(id, request, parts, merge);
            for (var i = 0; i < names.Count; i++)
            {
                merge.AddAgent(names[i]);
                // Two instances starting runs on one agent at once: the run applied second goes on without it.
                if (BusyWith(names[i]) is not null) { parts[i].Lost = true; continue; }
                if (agents.Find(names[i]) is not { IsLost: false } agent) continue;   // held by another instance
                agent.Assign(id);
                var (users, rate) = ShareOf(request.Users, request.Rate, i, names.Count);
                agent.Send(new StartRun(id, request.Scenario, request.Path, users, rate, request.DurationSeconds, i, names.Count, request.WarmUpSeconds));
            }
            _runs.Add(run);
            while (_runs.Count > KeepRuns && _runs.FindIndex(r => !r.IsActive) is >= 0 and var oldest) _runs.RemoveAt(oldest);
            log.LogInformation("load run {Run}: {Scenario} on {Agents}", id, request.Scenario, string.Join(", ", names));
            return run;
        }
    }

    /// <summary>True while the agent still sends the run's warm-up load, which no figure counts.</summary>
    public bool IsWarmingUp(LoadRun run, string agent) => run.IsActive &&
        (agents.Find(agent) is { WarmingUp: true } a ? a.Run == run.Id : Farm?.RemoteAgent(agent) is { State: AgentConnection.WarmingUpState } r && r.Run == run.Id);

    static (int? Users, double? Rate) ShareOf(int? users, double? rate, int share, int of) =>
        (users is { } u ? LoadAgent.Split(u, share, of) : null, rate is { } r ? Math.Round(r / of, 6) : null);

    public ApiError? Change(LoadRun run, int? users, double? rate, bool? agentLines)
    {
        lock (_gate)
        {
            if (!run.IsActive) return new ApiError($"run {run.Id} has ended ({run.State})", "id");
            if (users is not null && run.Request.OpenModel) return new ApiError("this run is open-model (arrivals per second): change its rate, not its users", "users");
            if (rate is not null && !run.Request.OpenModel) return new ApiError("this run is closed-model (users): change its users, not its rate", "rate");
            ApplyChange(run, users, rate, agentLines);
            Farm?.Publish(new RunChangedEvent(run.Id, users, rate, agentLines));
            return null;
        }
    }

    internal void ApplyChange(LoadRun run, int? users, double? rate, bool? agentLines)
    {
        lock (_gate)
        {
            if (!run.IsActive) return;
            if (agentLines is { } lines) run.AgentLines = lines;
            if (users is null && rate is null) return;
            run.Users = users ?? run.Users;
            run.Rate = rate ?? run.Rate;
            Rebalance(run);
        }
    }

    /// <summary>Sends every live agent of the run (that this instance holds) its even share of the run's current total.</summary>
    void Rebalance(LoadRun run)
    {
        if (run.Users is null && run.Rate is null) return;
        var live = run.Agents.Where(a => !a.Lost && !run.Merge.HasEnded(a.Name)).ToList();
        for (var i = 0; i < live.Count; i++)
        {
            var (users, rate) = ShareOf(run.Users, run.Rate, i, live.Count);
            agents.Find(live[i].Name)?.Send(new ChangeRun(run.Id, users, rate));
        }
    }

    public void Stop(LoadRun run, string reason = "stopped from the dashboard or API")
    {
        lock (_gate)
        {
            if (!run.IsActive) return;
            ApplyStop(run, reason);
            Farm?.Publish(new RunStoppedEvent(run.Id, reason));
        }
    }

    internal void ApplyStop(LoadRun run, string reason)
    {
        lock (_gate)
        {
            if (!run.IsActive) return;
            run.State = LoadRun.Stopping;
            run.StopReason ??= reason;
            foreach (var part in run.Agents) agents.Find(part.Name)?.Send(new StopRun(run.Id));
        }
    }

    // From the agents' connections on this instance: applied here, and published to the farm.

    public void OnSecond(AgentConnection agent, RunSecond second) => FromAgent(agent, second);

    public void OnApplied(AgentConnection agent, ChangeApplied applied) => FromAgent(agent, applied);

    public void OnEnded(AgentConnection agent, RunEnded ended)
    {
        if (agent.Run == ended.Run) agent.Assign(null);
        FromAgent(agent, ended);
    }

    void FromAgent(AgentConnection agent, AgentMessage message)
    {
        ApplyFromAgent(agent.Name, message);
        Farm?.Publish(new FromAgentEvent(agent.Name, message));
    }

    public void OnLost(AgentConnection agent)
    {
        ApplyLost(agent.Name, agent.LostReason);
        Farm?.Publish(new AgentLostEvent(agent.Name, agent.LostReason ?? "lost"));
    }

    internal void ApplyFromAgent(string agent, AgentMessage message)
    {
        switch (message)
        {
            case RunSecond second:
                if (Find(second.Run) is { } run) run.Merge.Add(agent, second);
                break;
            case ChangeApplied applied:
                if (Find(applied.Run)?.Agents.FirstOrDefault(a => a.Name == agent) is not { } part) return;
                part.Users = applied.Users;
                part.Rate = applied.Rate;
                break;
            case RunEnded ended:
                if (agents.Find(agent) is { } local && local.Run == ended.Run) local.Assign(null);
                if (Find(ended.Run) is not { } endedRun) return;
                if (ended.Error is not null) log.LogWarning("load run {Run}: agent {Agent} could not run it: {Error}", endedRun.Id, agent, ended.Error);
                // A run that already ended (its agent was lost) still takes the agent's end, sent again on reconnect:
                // its figures become exactly what the agent counted.
                if (!endedRun.IsActive && !endedRun.Merge.HasEnded(agent))
                    log.LogInformation("load run {Run}: agent {Agent} delivered its end after a reconnect ({Reason}): {Requests} requests, {Errors} errors", endedRun.Id, agent, ended.StopReason, ended.Requests, ended.Errors);
                endedRun.Merge.End(agent, ended);
                FinishIfDone(endedRun);
                break;
        }
    }

    internal void ApplyLost(string agent, string? reason)
    {
        foreach (var run in All().Where(r => r.IsActive))
        {
            if (run.Agents.FirstOrDefault(a => a.Name == agent) is not { } part || part.Lost || run.Merge.HasEnded(agent)) continue;
            lock (_gate)
            {
                part.Lost = true;
                part.LostReason = $"lost at {LoadRun.Clock(Stopwatch.GetElapsedTime(run.StartedTimestamp))} ({reason ?? "lost"})";
                log.LogWarning("load run {Run}: agent {Agent} lost ({Reason}); the run goes on with the others", run.Id, agent, reason);
                if (run.State == LoadRun.Running) Rebalance(run);
            }
            FinishIfDone(run);
        }
    }
    void FinishIfDone(LoadRun run)
    {
        lock (_gate)
        {
            if (!run.IsActive || !run.Agents.All(a => a.Lost || run.Merge.HasEnded(a.Name))) return;
            // Completed only when an agent ran the whole duration; a run its agents abandoned (lost, or lost the server)
            // is stopped and says who and when; failed when nothing ran at all.
            var ends = run.Agents.Select(a => (a, End: run.Merge.EndOf(a.Name))).ToList();
            var abandoned = ends.FirstOrDefault(e => e.End is { } end ? end.Error is null && !RanToEnd(end) : e.a.Lost);
            if (run.StopReason is null && !ends.Any(e => e.End is { } end && RanToEnd(end)) && abandoned.a is { } who)
                run.StopReason = $"agent {who.Name} " + (abandoned.End?.StopReason ?? who.LostReason ?? "lost");
            var anyRan = run.Merge.Totals().Requests > 0 || ends.Any(e => e.End is { Error: null });
            run.State = run.StopReason is not null ? LoadRun.Stopped : anyRan ? LoadRun.Completed : LoadRun.Failed;
            foreach (var part in run.Agents)
                if (agents.Find(part.Name) is { } a && a.Run == run.Id) a.Assign(null);
        }
        PublishTicks(run);
    }

    /// <summary>An agent's end for a run it ran to its duration (not stopped, not cut short by a lost server).</summary>
    static bool RanToEnd(RunEnded end) => end.Error is null && (end.StopReason == "completed" || end.StopReason.StartsWith("stopped at the duration cap", StringComparison.Ordinal));

    /// <summary>
    /// Called a few times a second, on the load channel's thread: marks silent agents lost (silence counted only while
    /// this server could <paramref name="listening"/>), closes overdue runs and publishes merged seconds to the dashboard.
    /// </summary>
    public void Tick(TimeSpan listening)
    {
        foreach (var lost in agents.Sweep(listening)) OnLost(lost);
        if (Farm is not null) foreach (var name in Farm.SweepRemote()) ApplyLost(name, "its instance fell silent");
        foreach (var run in All().Where(r => r.IsActive))
        {
            if (Stopwatch.GetElapsedTime(run.StartedTimestamp) > TimeSpan.FromSeconds(run.Request.WarmUpSeconds + run.Request.DurationSeconds) + EndGrace)
            {
                ApplyStop(run, "agents did not report the end in time");
                lock (_gate)
                {
                    foreach (var part in run.Agents) part.Lost |= !run.Merge.HasEnded(part.Name);
                }
                FinishIfDone(run);
                continue;
            }
            PublishTicks(run);
        }
    }

    void PublishTicks(LoadRun run)
    {
        int through;
        lock (_gate) through = run.Merge.CompleteThrough(run.Agents.Where(a => !a.Lost).Select(a => a.Name));
        if (through <= run.PublishedSecond) return;
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        // Errors on a client line are the run's total so far (as the command-line runner sends them), per line.
        var totals = run.Merge.Totals();
        for (var s = run.PublishedSecond + 1; s <= through; s++)
        {
            run.PublishedSecond = s;
            // A second with no answers (the drain after the run's end) has no latency to draw.
            if (run.Merge.Second(s) is not { Requests: > 0 } figures) continue;
            recorder.AddClientTick(new ClientTick(run.TickName, now, figures.Requests, figures.P50, figures.P99, totals.Errors));
            if (!run.AgentLines) continue;
            foreach (var agent in figures.Agents)
                recorder.AddClientTick(new ClientTick($"{run.TickName} · {agent.Name}", now, agent.Requests, agent.P50, agent.P99,
                    totals.Agents.FirstOrDefault(a => a.Name == agent.Name)?.Errors ?? agent.Errors));
        }
    }

    public RunResult Report(LoadRun run) =>
        run.Merge.Result(settings.Current.Mode.ToString(), run.StopReason ?? (run.IsActive ? "still running (report so far)" : "completed"));
}
