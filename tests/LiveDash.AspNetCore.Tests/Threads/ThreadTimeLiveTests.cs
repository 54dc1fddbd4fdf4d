using LiveDash.Tests.Shared;

namespace LiveDash.AspNetCore.Tests.Threads;

/// <summary>
/// The AsyncLocal handler and the watchdog on real threads, no server: a request's timeline made current as the
/// telemetry middleware does, then a thread that sleeps, spins or awaits inside it. Linux only (the watchdog reads /proc).
/// </summary>
[Collection(AloneCollection.Name)]
public class ThreadTimeLiveTests
{
    static async Task<RequestThreadState> Measure(Func<Task> work)
    {
        ThreadWatchdog.EnsureStarted();
        var timeline = new RequestTimeline();
        var state = timeline.Threads;
        // A fresh async flow, as a request's: the timeline's segments end when it returns.
        await Task.Run(async () =>
        {
            ThreadSlots.Begin(state);
            RequestTimeline.Current = timeline;
            try { await work(); }
            finally { ThreadSlots.End(state); }
        });
        return state;
    }

    static double BlockedShare(RequestThreadState s)
    {
        var (onThread, _, _, blocked) = s.SplitMs();
        return blocked / onThread;
    }

    [Fact]
    public async Task ASleepingRequestHoldsItsThreadBlocked()
    {
        var state = await Measure(() => { Thread.Sleep(200); return Task.CompletedTask; });
        var (onThread, onCpu, _, _) = state.SplitMs();
        Assert.InRange(onThread, 195, 2000);
        Assert.True(state.ObservedNs > 0, "the watchdog looked at the thread while it slept");
        Assert.True(BlockedShare(state) >= 0.8, $"blocked {BlockedShare(state):P0} of {onThread:F1} ms, {onCpu:F1} on CPU");
        // .NET 10 on Linux sleeps in a futex, like a lock or a wait.
        Assert.Equal(BlockKind.LockOrWait, state.MostlyBlockedIn());
    }

    [Fact]
    public async Task ASpinningRequestIsOnACpuOrWaitingForOneNotBlocked()
    {
        var state = await Measure(() =>
        {
            var until = DateTime.UtcNow.AddMilliseconds(200);
            while (DateTime.UtcNow < until) Thread.SpinWait(100);
            return Task.CompletedTask;
        });
        var (onThread, onCpu, runQueue, blocked) = state.SplitMs();
        Assert.InRange(onThread, 195, 2000);
        Assert.True(onCpu + runQueue >= 0.8 * onThread, $"on CPU {onCpu:F1} + run queue {runQueue:F1} of {onThread:F1} ms; blocked {blocked:F1}");
    }

    [Fact]
    public async Task AnAwaitingRequestHoldsNoThreadWhileItWaits()
    {
        var state = await Measure(async () =>
        {
            await Task.Delay(100);
            await Task.Delay(100);
        });
        Assert.InRange(state.SplitMs().OnThread, 0, 20);
    }

    [Fact]
    public async Task ARequestRunInlineInsideAnotherTakesItsTimeFromIt()
    {
        // The inner request runs on the outer's thread, as a continuation can: its 100 ms are its own, not the outer's.
        var inner = new RequestTimeline();
        var outer = await Measure(async () =>
        {
            Thread.Sleep(50);
            await RunInline(inner);
            Thread.Sleep(50);
        });
        Assert.InRange(inner.Threads.SplitMs().OnThread, 95, 1000);
        Assert.InRange(outer.SplitMs().OnThread, 95, 1000);
        Assert.True(outer.SplitMs().OnThread < 100 + inner.Threads.SplitMs().OnThread * 0.5,
            $"outer {outer.SplitMs().OnThread:F1} ms, inner {inner.Threads.SplitMs().OnThread:F1} ms");
    }

    // Completes synchronously on the caller's thread; its change to the AsyncLocal is undone when it returns.
    static async Task RunInline(RequestTimeline timeline)
    {
        ThreadSlots.Begin(timeline.Threads);
        RequestTimeline.Current = timeline;
        Thread.Sleep(100);
        ThreadSlots.End(timeline.Threads);
        await Task.CompletedTask;
    }
}
