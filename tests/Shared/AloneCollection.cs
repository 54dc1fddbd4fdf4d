namespace LiveDash.Tests.Shared;

/// <summary>
/// Timing tests on an in-process app run alone: the app, its own client and every other test class in the assembly
/// share one thread pool, and another class's Sync load (or a starved pool) there delays this one's answers, which
/// says nothing about the server's order. Full runs saw the lecture's answers land together or out of order so.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public class AloneCollection
{
    public const string Name = "timings, alone";
}
