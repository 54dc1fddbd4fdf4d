using System.Text.Json;
using System.Text.Json.Serialization;

namespace LiveDash.Contracts;

/// <summary>
/// What a load agent and the server say to each other: one JSON object per WebSocket text message,
/// told apart by "type". The agent connects out to <see cref="Path"/>; the server never connects to it.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(StartRun), "start")]
[JsonDerivedType(typeof(ChangeRun), "change")]
[JsonDerivedType(typeof(StopRun), "stop")]
[JsonDerivedType(typeof(Ping), "ping")]
[JsonDerivedType(typeof(Ack), "ack")]
[JsonDerivedType(typeof(AgentStatus), "status")]
[JsonDerivedType(typeof(RunSecond), "second")]
[JsonDerivedType(typeof(ChangeApplied), "applied")]
[JsonDerivedType(typeof(RunEnded), "ended")]
public abstract record AgentMessage
{
    public const string ConnectPath = "/admin/api/load/agents/connect";

    /// <summary>Both sides send something at least this often; silence for <see cref="SilenceLimit"/> means the other side is gone.</summary>
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromMilliseconds(500);
    public static readonly TimeSpan SilenceLimit = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Longest an agent goes on loading a server whose control channel is silent while the server still answers the
    /// agent's requests (a starved thread pool delays both): past it, the agent stops its load all the same.
    /// </summary>
    public static readonly TimeSpan StarvedServerLimit = TimeSpan.FromSeconds(30);

    /// <summary>
    /// On what an agent must not lose (a run's seconds, changes applied and end): its number in the agent's outbox.
    /// The agent keeps the message until the server's <see cref="Ack"/> covers it and sends it again after a reconnect;
    /// the server applies each at most once (seconds by number, an end once).
    /// </summary>
    public long? Seq { get; init; }

    /// <summary>Longest message either side accepts (a second's two histograms are a few KB).</summary>
    public const int MaxMessageBytes = 1 << 20;

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public byte[] ToUtf8() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    /// <summary>The message, or null when it is not one (the caller decides whether that ends the connection).</summary>
    public static AgentMessage? Parse(ReadOnlySpan<byte> utf8)
    {
        try
        {
            return JsonSerializer.Deserialize<AgentMessage>(utf8, Json);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            return null;
        }
    }
}

// Server to agent.

/// <summary>
/// Start a run: Users or Rate is this agent's share of the run's load; with neither, the agent runs the
/// scenario's own simulations scaled to its share (<see cref="Share"/> of <see cref="Of"/> agents). The agent
/// first sends that load for WarmUpSeconds without counting it, then measures for DurationSeconds.
/// </summary>
public sealed record StartRun(string Run, string Scenario, string? Path, int? Users, double? Rate, double DurationSeconds, int Share, int Of, double WarmUpSeconds = 0) : AgentMessage;

/// <summary>From now on, this agent's share is Users (closed model) or Rate (open model).</summary>
public sealed record ChangeRun(string Run, int? Users, double? Rate) : AgentMessage;

public sealed record StopRun(string Run) : AgentMessage;

public sealed record Ping : AgentMessage;

/// <summary>The server applied every message of this agent's outbox numbered up to Through (<see cref="AgentMessage.Seq"/>).</summary>
public sealed record Ack(long Through) : AgentMessage;

// Agent to server.

/// <summary>The agent's heartbeat: idle or running a run, with its last second's figures.</summary>
public sealed record AgentStatus(string State, string? Run, long LastSecondRequests, long Errors, long InFlight, bool WarmingUp = false) : AgentMessage
{
    public const string Idle = "idle";
    public const string Running = "running";
}

/// <summary>One finished second of a run (by completion time, from the agent's start of the run).</summary>
public sealed record RunSecond(string Run, int Second, long Requests, long Errors, long Dropped, WireHistogram Corrected, WireHistogram Raw, IReadOnlyDictionary<string, long>? ErrorsByKind) : AgentMessage;

/// <summary>The agent applied a start or change: this is the load it now makes.</summary>
public sealed record ChangeApplied(string Run, int? Users, double? Rate) : AgentMessage;

/// <summary>
/// The run ended on this agent. Totals are the agent's whole-run histograms, so the merged report is the
/// union of exactly what the agents measured; Error says why a run could not start.
/// </summary>
public sealed record RunEnded(string Run, string StopReason, double Seconds, long Requests, long Errors, long Dropped, WireHistogram? Corrected, WireHistogram? Raw, IReadOnlyDictionary<string, long>? ErrorsByKind, string? Error = null) : AgentMessage;

/// <summary>A latency histogram on the wire: its non-empty buckets as [lowest value in µs, count], with sum, min and max.</summary>
public sealed record WireHistogram(long[][] Buckets, long Sum, long Min, long Max)
{
    public static WireHistogram Of(LatencyHistogram histogram) =>
        new(histogram.Buckets().Select(b => new[] { b.Low, b.Count }).ToArray(), histogram.Sum, histogram.Min, histogram.Max);

    /// <summary>From a compact snapshot (a finished second kept without its full histogram).</summary>
    public static WireHistogram Of(LatencyHistogram.Snapshot snapshot) =>
        new(snapshot.Indexes.Select((index, i) => new[] { LatencyHistogram.LowestOf(index), snapshot.Counts[i] }).ToArray(), snapshot.Sum, snapshot.Min, snapshot.Max);

    public void AddTo(LatencyHistogram histogram) =>
        histogram.AddBuckets(Buckets.Where(b => b.Length == 2).Select(b => (b[0], b[1])), Sum, Min, Max);

    public LatencyHistogram ToHistogram()
    {
        var histogram = new LatencyHistogram();
        AddTo(histogram);
        return histogram;
    }
}
