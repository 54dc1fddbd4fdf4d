using System.Text.Json;
using System.Text.Json.Serialization;
using LiveDash.LoadTests.Agent;

namespace LiveDash.Load;

/// <summary>
/// What one instance of a farm tells the others about load runs, on the farm's NOTIFY channel: a run started,
/// changed or stopped there; one of its agents sent something or was lost; the agents it holds now (every 500 ms);
/// and a barrier, which comes back to its sender once everything NOTIFYed before it has been applied.
/// Every instance keeps every run and applies these in the database's commit order; only the instance holding
/// an agent's socket talks to that agent.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "k")]
[JsonDerivedType(typeof(RunStartedEvent), "start")]
[JsonDerivedType(typeof(RunChangedEvent), "change")]
[JsonDerivedType(typeof(RunStoppedEvent), "stop")]
[JsonDerivedType(typeof(FromAgentEvent), "agent")]
[JsonDerivedType(typeof(AgentLostEvent), "lost")]
[JsonDerivedType(typeof(AgentsHereEvent), "here")]
[JsonDerivedType(typeof(BarrierEvent), "barrier")]
public abstract record LoadEvent
{
    /// <summary>The sending instance, and its own number for the event (for waiting on its echo).</summary>
    public string By { get; init; } = "";
    public long Seq { get; init; }

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static LoadEvent? Parse(string json, out string? error)
    {
        error = null;
        try
        {
            return JsonSerializer.Deserialize<LoadEvent>(json, Json);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            error = e.Message;
            return null;
        }
    }
}

public sealed record RunStartedEvent(string Id, RunRequest Request, IReadOnlyList<string> Agents) : LoadEvent;

public sealed record RunChangedEvent(string Id, int? Users, double? Rate, bool? AgentLines) : LoadEvent;

public sealed record RunStoppedEvent(string Id, string Reason) : LoadEvent;

/// <summary>A run's second, a change applied, or a run's end, as the agent sent it to the instance holding its socket.</summary>
public sealed record FromAgentEvent(string Agent, AgentMessage Message) : LoadEvent;

public sealed record AgentLostEvent(string Agent, string Reason) : LoadEvent;

public sealed record AgentsHereEvent(IReadOnlyList<AgentView> Agents) : LoadEvent;

public sealed record BarrierEvent : LoadEvent;
