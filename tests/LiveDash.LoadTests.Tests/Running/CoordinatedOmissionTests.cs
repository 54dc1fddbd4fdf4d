using System.Diagnostics;
using LiveDash.LoadTests.Running;
using LiveDash.LoadTests.Scenarios;
using Microsoft.AspNetCore.Builder;

namespace LiveDash.LoadTests.Tests.Running;

[Collection(TimingCollection.Name)]
public class CoordinatedOmissionTests
{
    /// <summary>A server that answers at once, except that one request a second into the run stalls for a second.</summary>
    static Task<StubServer> StallingOnceServer()
    {
        var started = Stopwatch.GetTimestamp();
        var stalled = 0;
        return StubServer.StartAsync(app => app.MapGet("/hit", async () =>
        {
            if (Stopwatch.GetElapsedTime(started) > TimeSpan.FromSeconds(1) && Interlocked.Exchange(ref stalled, 1) == 0)
                await Task.Delay(TimeSpan.FromSeconds(1));
            return "ok";
        }));
    }

    // One connection, one request at a time: while the stall lasts, the arrivals due cannot be sent.
    // Five seconds leave the backlog after the stall time to drain before the run ends.
    static Scenario OneAtATime(TimeSpan dropAfter, int rate = 100) =>
        new("stall", "", [new ScenarioStep("hit", "/hit")], [new Inject(rate, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5))],
            new Dictionary<string, ScenarioVariable>(), []) { MaxInFlight = 1, DropAfter = dropAfter };

    [Fact]
    public async Task AStallShowsInTheCorrectedP99ButNotTheRawOne()
    {
        await using var server = await StallingOnceServer();
        using var http = LoadHttp.Create(1);

        // 25 a second, one at a time: a budget of 40 ms a request, so a busy machine still drains the stall's backlog
        // before the run ends. At 100/s, and once at 50/s (15 arrivals left when the run ended, on a clean-clone run whose
        // one connection took about 16 ms a request), it fell behind, and the overdue arrivals counted as dropped.
        // 125 arrivals: the stalled request is the largest raw value, and the raw p99 (the 124th of 125) is the next one down.
        var result = await new LoadRunner(http, server.Address, OneAtATime(TimeSpan.FromSeconds(5), rate: 25), RunLimits.Default).RunAsync(CancellationToken.None);

        Assert.True(result.Corrected.P99 >= 500, $"corrected p99 {result.Corrected.P99} ms");
        Assert.True(result.Raw.P99 < 200, $"raw p99 {result.Raw.P99} ms");
        Assert.True(result.Raw.Max >= 900, $"raw max {result.Raw.Max} ms: the stalled request itself");
        Assert.Equal(0, result.Dropped);
    }

    [Fact]
    public async Task ArrivalsThatCannotStartInTimeAreCountedAsDropped()
    {
        await using var server = await StallingOnceServer();
        using var http = LoadHttp.Create(1);

        var result = await new LoadRunner(http, server.Address, OneAtATime(TimeSpan.FromMilliseconds(200)), RunLimits.Default).RunAsync(CancellationToken.None);

        // About 80 of the ~100 arrivals during the 1 s stall wait longer than 200 ms (more if the
        // catch-up after it is slow); none is lost: every arrival was either sent or counted as dropped.
        Assert.InRange(result.Dropped, 50, 250);
        Assert.InRange(result.Requests + result.Dropped, 490, 500);
        // Bounded by the stall plus the catch-up (room for a busy machine), not by the dropped arrivals.
        Assert.True(result.Corrected.Max < 2500, $"corrected max {result.Corrected.Max} ms");
    }
}
