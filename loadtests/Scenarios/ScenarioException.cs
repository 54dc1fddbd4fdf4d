namespace LiveDash.LoadTests.Scenarios;

/// <summary>A scenario that cannot run as written; the message names the file, the field and what is allowed.</summary>
public sealed class ScenarioException(string source, string field, string problem)
    : Exception($"scenario {source}: {field}: {problem}")
{
    public string ScenarioSource { get; } = source;
    public string Field { get; } = field;
}
