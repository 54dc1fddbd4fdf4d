using System.Net;
using LiveDash.LoadTests.Running;
using LiveDash.LoadTests.Scenarios;

namespace LiveDash.LoadTests.Cli;

/// <summary>What load and compare were asked to do, as parsed from the command line.</summary>
public sealed record RunOptions(
    string Scenario,
    string Target,
    double? DurationSeconds = null,
    int? Rate = null,
    int? Users = null,
    string? Path = null,
    string? ReportDirectory = null,
    long MaxRequests = 2_000_000,
    bool AllowRemote = false,
    string? AdminPassword = null,
    bool PostClientTicks = true,
    int? Workers = null,
    double? WarmUpSeconds = null)
{
    public const double MaxWarmUpSeconds = 600;

    public const int MaxWorkers = 64;

    /// <summary>The server model to run on (--workers), validated; null = the scenario's default (lecture: 1 worker) or leave the server as is.</summary>
    public int? ServerWorkers()
    {
        if (Workers is { } w && (w < 0 || w > MaxWorkers))
            throw new UsageException($"--workers must be from 0 (the .NET thread pool) to {MaxWorkers} (dedicated store workers), got {w}");
        return Workers;
    }

    public const double MaxDurationSeconds = 86_400;

    /// <summary>The target as a URI, or a usage error that says what is wrong with it.</summary>
    public Uri TargetUri()
    {
        if (!Uri.TryCreate(Target, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new UsageException($"--target must be an http:// or https:// URL like http://127.0.0.1:5000, got '{Target}'");
        if (!AllowRemote && !LocalTarget.IsLoopback(uri))
            throw new UsageException($"--target {uri.Host} is not this machine; load stays on 127.0.0.1/localhost unless you add --allow-remote");
        return uri;
    }

    public RunLimits Limits()
    {
        if (DurationSeconds is { } d && (d <= 0 || d > MaxDurationSeconds))
            throw new UsageException($"--duration must be more than 0 and at most {MaxDurationSeconds:0} seconds, got {d}");
        if (WarmUpSeconds is { } w && !(w >= 0 && w <= MaxWarmUpSeconds))
            throw new UsageException($"--warm-up must be from 0 (none) to {MaxWarmUpSeconds:0} seconds, got {w}");
        if (MaxRequests < 1) throw new UsageException($"--max-requests must be at least 1, got {MaxRequests}");
        if (Rate is { } r && (r < 1 || r > ScenarioFile.MaxRate)) throw new UsageException($"--rate must be from 1 to {ScenarioFile.MaxRate} per second, got {r}");
        if (Users is { } u && (u < (Scenario == ScenarioCatalog.Lecture ? 0 : 1) || u > ScenarioFile.MaxCopies)) throw new UsageException($"--users must be from 1 (lecture: 0) to {ScenarioFile.MaxCopies}, got {u}");
        return new RunLimits(DurationSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : RunLimits.Default.MaxDuration, MaxRequests);
    }

    public ScenarioOverrides Overrides() =>
        new(DurationSeconds is { } d ? TimeSpan.FromSeconds(d) : null, Rate, Users, Path, WarmUpSeconds is { } w ? TimeSpan.FromSeconds(w) : null);
}

/// <summary>A command line that cannot run; the message says which option and what it accepts.</summary>
public sealed class UsageException(string message) : Exception(message);
