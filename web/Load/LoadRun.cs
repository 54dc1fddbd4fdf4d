using System.Diagnostics;
using LiveDash.LoadTests.Agent;

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
    /// <summary>When and why the server lost it ("lost at 5:02 (silent for 5 s)"), from the run's start.</summary>
    public string? LostReason;
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

    /// <summary>An ended run's figures change only when a lost agent delivers what it kept: merged again then, else kept.</summary>
    public MergedTotals Totals()
    {
        if (IsActive) return Merge.Totals();
        if (_final is { } kept && kept.Version == Merge.Version) return kept.Totals;
        var version = Merge.Version;
        var totals = Merge.Totals();
        _final = new Final(version, totals);
        return totals;
    }
    sealed record Final(int Version, MergedTotals Totals);
    volatile Final? _final;

    /// <summary>"5:02": minutes and seconds.</summary>
    public static string Clock(TimeSpan t) => $"{(int)t.TotalMinutes}:{t.Seconds:00}";
    public bool IsActive => State is Running or Stopping;
    public string TickName => $"load {Id}";
}
