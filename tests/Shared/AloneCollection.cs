namespace LiveDash.Tests.Shared;

/// <summary>
/// Timing tests on an in-process app run alone, after every parallel class of their assembly: the app, its own client
/// and every other test class share one thread pool, and another class's Sync load there starves the pool that Async's
/// database answers come back on. A full run saw the lecture's Async answers come back 1,2,3 or 3,1,2 so (#3 at ×2.9 its
/// time alone, 17 ms of it queued), which says nothing about the server's order; run alone, it came back 1,3,2.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public class AloneCollection
{
    public const string Name = "timings, alone";
}
