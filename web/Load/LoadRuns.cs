extern alias LoadRunner;

using System.Diagnostics;
using LiveDash.Admin;
using LiveDash.AspNetCore;
using LiveDash.Store;
using LiveDash.Telemetry;
using LoadRunner::LiveDash.LoadTests.Agent;
using LoadRunner::LiveDash.LoadTests.Running;

namespace LiveDash.Load;

/// <summary>A run as asked for: Users (closed model) or Rate (open model) are totals, split evenly between the agents.</summary>
public sealed record RunRequest(string Scenario, string? Path, int? Users, double? Rate, double DurationSeconds, IReadOnlyList<string>? Agents, bool AgentLines, bool OpenModel, double WarmUpSeconds = 0);

/// <summary>One agent's part in a run: what it last confirmed it applied, and whether it was lost.</summary>
public sealed class RunAgent(string name)
{
    public string Name { get; } = name;
    public int? Users;
    public double? Rate;
    public bool Lost;
}

/// <summary>One run across agents: who takes part, the load it asks for now, and the merge of what they measured.</summary>
public sealed class LoadRun(string id, RunRequest request, IReadOnlyList<RunAgent> agents, RunMerge merge)
{
    public const string Running = "running";
    public const string Stopping = "stopping";
    public const string Completed = "completed";
    public const string Stopped = "stopped";
    public const string Failed = "failed";

    public string Id { get; } = id;
    public RunRequest Request { get; } = request;
    public IReadOnlyList<RunAgent> Agents { get; } = agents;
    public RunMerge Merge { get; } = merge;
    public long StartedTimestamp { get; } = Stopwatch.GetTimestamp();
    public volatile string State = Running;
    public int? Users = request.Users;
    public double? Rate = request.Rate;
    public bool AgentLines = request.AgentLines;
    public string? StopReason;
    public int PublishedSecond = -1;

    /// <summary>An ended run's figures no longer change: merged once, then kept.</summary>
    public MergedTotals Totals() => IsActive ? Merge.Totals() : _final ??= Merge.Totals();
    MergedTotals? _final;
    public bool IsActive => State is Running or Stopping;
    public string TickName => $"load {Id}";
}

/// <summary>
/// Starts, steers and stops runs on the connected agents, merges what they report, and feeds the
/// dashboard's client-latency overlay with the merged view (one line per agent on request).
/// </summary>
public sealed class LoadRuns(LoadAgents agents, LiveDashFeed recorder, RuntimeSettings settings, TimeProvider time, ILogger<LoadRuns> log)
{
    const int KeepRuns = 20;
    /// <summary>A run whose agents have not all reported its end this long after its duration is closed anyway (their requests time out after 30 s).</summary>
    static readonly TimeSpan EndGrace = TimeSpan.FromSeconds(40);

    readonly Lock _gate = new();
    readonly List<LoadRun> _runs = [];
    int _nextId;

    public LoadRun? Find(string id)
    {
        lock (_gate) return _runs.FirstOrDefault(r => r.Id == id);
    }

    public IReadOnlyList<LoadRun> All()
    {
        lock (_gate) return _runs.ToList();
    }

    public (LoadRun? Run, ApiError? Error) Start(RunRequest request)
    {
        lock (_gate)
        {
            List<AgentConnection> chosen;
            if (request.Agents is { Count: > 0 } names)
            {
                chosen = [];
                foreach (var name in names.Distinct(StringComparer.Ordinal))
                {
                    var agent = agents.Find(name);
                    if (agent is null || agent.IsLost) return (null, new ApiError($"agent '{name}' is not connected (connected: {Connected()})", "agents"));
                    if (agent.Run is not null) return (null, new ApiError($"agent '{name}' is busy with run {agent.Run}; stop that run first", "agents"));
                    chosen.Add(agent);
                }
            }
            else
            {
                chosen = agents.All().Where(a => !a.IsLost && a.Run is null).ToList();
                if (chosen.Count == 0)
                    return (null, new ApiError(agents.All().Any(a => !a.IsLost)
                        ? "every connected agent is busy; stop a run first"
                        : "no load agent is connected; start one with ./livedash agent --server <this server's URL>", "agents"));
            }

            var id = (++_nextId).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var parts = chosen.Select(a => new RunAgent(a.Name)).ToList();
            var merge = new RunMerge(request.Scenario, $"this server, from agents {string.Join(", ", chosen.Select(a => a.Name))}", request.OpenModel, time.GetLocalNow());
            var run = new LoadRun(id, request, parts, merge);
            for (var i = 0; i < chosen.Count; i++)
            {
                merge.AddAgent(chosen[i].Name);
                chosen[i].Assign(id);
                var (users, rate) = ShareOf(request.Users, request.Rate, i, chosen.Count);
                chosen[i].Send(new StartRun(id, request.Scenario, request.Path, users, rate, request.DurationSeconds, i, chosen.Count, request.WarmUpSeconds));
            }
            _runs.Add(run);
            while (_runs.Count > KeepRuns && _runs.FindIndex(r => !r.IsActive) is >= 0 and var oldest) _runs.RemoveAt(oldest);
            log.LogInformation("load run {Run}: {Scenario} on {Agents}", id, request.Scenario, string.Join(", ", chosen.Select(a => a.Name)));
            return (run, null);
        }
    }

    /// <summary>True while the agent still sends the run's warm-up load, which no figure counts.</summary>
    public bool IsWarmingUp(LoadRun run, string agent) => run.IsActive && agents.Find(agent) is { WarmingUp: true } a && a.Run == run.Id;

    string Connected() => agents.All().Where(a => !a.IsLost).Select(a => a.Name).DefaultIfEmpty("none").Aggregate((a, b) => a + ", " + b);

    static (int? Users, double? Rate) ShareOf(int? users, double? rate, int share, int of) =>
        (users is { } u ? LoadAgent.Split(u, share, of) : null, rate is { } r ? Math.Round(r / of, 6) : null);

    public ApiError? Change(LoadRun run, int? users, double? rate, bool? agentLines)
    {
        lock (_gate)
        {
            if (!run.IsActive) return new ApiError($"run {run.Id} has ended ({run.State})", "id");
            if (agentLines is { } lines) run.AgentLines = lines;
            if (users is null && rate is null) return null;
            if (users is not null && run.Request.OpenModel) return new ApiError("this run is open-model (arrivals per second): change its rate, not its users", "users");
            if (rate is not null && !run.Request.OpenModel) return new ApiError("this run is closed-model (users): change its users, not its rate", "rate");
            run.Users = users ?? run.Users;
            run.Rate = rate ?? run.Rate;
            Rebalance(run);
            return null;
        }
    }

    /// <summary>Sends every live agent of the run its even share of the run's current total.</summary>
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
            run.State = LoadRun.Stopping;
            run.StopReason ??= reason;
            foreach (var part in run.Agents) agents.Find(part.Name)?.Send(new StopRun(run.Id));
        }
    }

    // From the agents' connections.

    public void OnSecond(AgentConnection agent, RunSecond second)
    {
        if (Find(second.Run) is { } run) run.Merge.Add(agent.Name, second);
    }

    public void OnApplied(AgentConnection agent, ChangeApplied applied)
    {
        if (Find(applied.Run)?.Agents.FirstOrDefault(a => a.Name == agent.Name) is not { } part) return;
        part.Users = applied.Users;
        part.Rate = applied.Rate;
    }

    public void OnEnded(AgentConnection agent, RunEnded ended)
    {
        if (agent.Run == ended.Run) agent.Assign(null);
        if (Find(ended.Run) is not { } run) return;
        if (ended.Error is not null) log.LogWarning("load run {Run}: agent {Agent} could not run it: {Error}", run.Id, agent.Name, ended.Error);
        run.Merge.End(agent.Name, ended);
        FinishIfDone(run);
    }

    public void OnLost(AgentConnection agent)
    {
        foreach (var run in All().Where(r => r.IsActive))
        {
            if (run.Agents.FirstOrDefault(a => a.Name == agent.Name) is not { } part || part.Lost || run.Merge.HasEnded(agent.Name)) continue;
            lock (_gate)
            {
                part.Lost = true;
                log.LogWarning("load run {Run}: agent {Agent} lost ({Reason}); the run goes on with the others", run.Id, agent.Name, agent.LostReason);
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
            var anyRan = run.Merge.Totals().Requests > 0 || run.Agents.Any(a => run.Merge.HasEnded(a.Name) && !a.Lost);
            run.State = run.StopReason is not null ? LoadRun.Stopped : anyRan ? LoadRun.Completed : LoadRun.Failed;
            foreach (var part in run.Agents)
                if (agents.Find(part.Name) is { } a && a.Run == run.Id) a.Assign(null);
        }
        PublishTicks(run);
    }

    /// <summary>Called a few times a second: closes overdue runs and publishes merged seconds to the dashboard.</summary>
    public void Tick()
    {
        foreach (var lost in agents.Sweep()) OnLost(lost);
        foreach (var run in All().Where(r => r.IsActive))
        {
            if (Stopwatch.GetElapsedTime(run.StartedTimestamp) > TimeSpan.FromSeconds(run.Request.WarmUpSeconds + run.Request.DurationSeconds) + EndGrace)
            {
                Stop(run, "agents did not report the end in time");
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
