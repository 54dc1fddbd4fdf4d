using System.Globalization;

namespace LiveDash.LoadTests.Agent;

/// <summary>
/// For bench/memory-soak.sh: with LIVEDASH_AGENT_MEMORY_EVERY=N (seconds) the agent prints, every N seconds, its
/// resident set and its managed heap before and after a forced full collection, which tells memory it holds from
/// garbage not yet collected. Off unless asked: a forced collection is not free.
/// </summary>
static class MemoryReport
{
    public const string Variable = "LIVEDASH_AGENT_MEMORY_EVERY";

    public static Task StartIfAsked(TextWriter output, CancellationToken cancel) =>
        int.TryParse(Environment.GetEnvironmentVariable(Variable), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? RunAsync(output, TimeSpan.FromSeconds(seconds), cancel)
            : Task.CompletedTask;

    static async Task RunAsync(TextWriter output, TimeSpan every, CancellationToken cancel)
    {
        using var timer = new PeriodicTimer(every);
        try
        {
            while (await timer.WaitForNextTickAsync(cancel))
            {
                var rss = Environment.WorkingSet;
                var heap = GC.GetTotalMemory(forceFullCollection: false);
                var live = GC.GetTotalMemory(forceFullCollection: true);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"memory: rss {rss / 1048576.0:0.0} MiB, managed heap {heap / 1048576.0:0.0} MiB, live after a full collection {live / 1048576.0:0.0} MiB, gen2 collections {GC.CollectionCount(2)}"));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
