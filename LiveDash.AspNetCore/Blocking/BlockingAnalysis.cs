using System.Diagnostics;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.EventPipe;

namespace LiveDash.AspNetCore;

/// <summary>
/// Reads a capture's trace: each sampler sample of a thread that was inside a request, outside managed code ("External":
/// asleep, waiting, in a syscall) and under a known blocking call is that request's endpoint blocked for a millisecond,
/// at the call site its stack names.
/// </summary>
static class BlockingAnalysis
{
    internal const int SitesPerEndpoint = 5;
    const int StackFrames = 24;
    const int CallersShown = 6;
    const int MaxStackFrames = 80;

    /// <summary>One blocked sample, already read as a person would: the app's frame, the blocking call, the stack.</summary>
    internal readonly record struct BlockedSample(string Route, string AppFrame, string BlockingFrame, string[] Stack);

    /// <summary>The endpoints' blocking sites from samples already classified (the part unit tests drive).</summary>
    internal static IReadOnlyList<BlockingEndpoint> Summarize(IEnumerable<(BlockedSample Sample, long Count)> samples)
    {
        var endpoints = new List<BlockingEndpoint>();
        foreach (var endpoint in samples.GroupBy(s => s.Sample.Route))
        {
            var total = endpoint.Sum(s => s.Count);
            var sites = endpoint.GroupBy(s => (s.Sample.AppFrame, s.Sample.BlockingFrame))
                .Select(site => (site.Key, Count: site.Sum(s => s.Count), Stack: site.MaxBy(s => s.Count).Sample.Stack))
                .OrderByDescending(s => s.Count).Take(SitesPerEndpoint)
                .Select(s => new BlockingSite(s.Key.AppFrame, s.Key.BlockingFrame, Math.Round((double)s.Count / total, 3), s.Count, s.Stack))
                .ToList();
            endpoints.Add(new BlockingEndpoint(endpoint.Key, total, sites));
        }
        return [.. endpoints.OrderByDescending(e => e.BlockedSamples)];
    }

    /// <summary>Classifies one sample's managed stack (innermost frame first); null when no known blocking call is on it.</summary>
    /// <param name="route">The endpoint the sample's thread was in.</param>
    /// <param name="handler">The endpoint's handler (runtime name), for frames of a generated delegate it was inlined into.</param>
    /// <param name="frames">The sample's managed frames, innermost first, with their modules.</param>
    internal static BlockedSample? Classify(string route, string? handler, IReadOnlyList<(string Method, string? Module)> frames)
    {
        if (frames.Count == 0) return null;
        string? blocking = null;
        string? app = null;
        foreach (var (method, module) in frames)
        {
            if (FrameNames.IsGeneratedDelegate(method))
            {
                app = handler is null ? "(the endpoint's handler)" : FrameNames.Readable(handler, route);
                break;
            }
            if (FrameNames.IsApp(method, module))
            {
                app = FrameNames.Readable(method, route);
                break;
            }
            // The blocking call nearest the app's frame is the one its code made (GetResult, not the event it waits on).
            if (FrameNames.Blocking(method) is { } call) blocking = call;
        }
        // Outside managed code with no blocking call on the stack is native work (an allocation, the GC, a hash), not a wait.
        if (blocking is null) return null;
        // Down to the app's frame and a few of its callers, however deep the driver's frames above it go.
        var appAt = app is null ? 0 : frames.ToList().FindIndex(f => FrameNames.IsGeneratedDelegate(f.Method) || FrameNames.IsApp(f.Method, f.Module));
        var stack = frames.Take(Math.Min(MaxStackFrames, Math.Max(StackFrames, appAt + CallersShown + 1))).Select(f => FrameNames.IsApp(f.Method, f.Module) ? FrameNames.Readable(f.Method, route) : f.Method).ToArray();
        return new BlockedSample(route, app ?? "(no app frame)", blocking, stack);
    }

    /// <summary>
    /// EventPipe stamps events with the OS's performance counter, which is what <see cref="Stopwatch"/> reads too: CLOCK_MONOTONIC
    /// in nanoseconds on Linux, QueryPerformanceCounter on Windows. A test checks the two agree.
    /// </summary>
#pragma warning disable CS0618 // "discouraged" in favour of a relative time, which would lose the shared clock
    internal static long Timestamp(TraceEvent e) => e.TimeStampQPC;
#pragma warning restore CS0618

    /// <summary>Reads the trace at <paramref name="netTracePath"/>; routes come from <paramref name="routes"/>.</summary>
    internal static (IReadOnlyList<BlockingEndpoint> Endpoints, long RequestSamples, long Samples) Read(string netTracePath, string etlxPath, ThreadRoutes routes, CancellationToken cancel)
    {
        TraceLog.CreateFromEventPipeDataFile(netTracePath, etlxPath);
        using var log = new TraceLog(etlxPath);
        // One entry per distinct (stack, route): the trace's stacks are already interned, so this stays small.
        var stacks = new Dictionary<(CallStackIndex, string), (BlockedSample? Sample, long Count)>();
        long requestSamples = 0, samples = 0;
        var frames = new List<(string, string?)>(64);
        var source = log.Events.GetSource();
        var sampler = new SampleProfilerTraceEventParser(source);
        sampler.ThreadSample += sample =>
        {
            samples++;
            if ((samples & 0xFFF) == 0 && cancel.IsCancellationRequested) source.StopProcessing();
            if (routes.OwnerAt(sample.ThreadID, Timestamp(sample)) is not { } owner) return;
            var route = owner.Route ?? "(a request still running)";
            requestSamples++;
            if (sample.Type != ClrThreadSampleType.External) return;
            var index = sample.CallStackIndex();
            if (index == CallStackIndex.Invalid) return;
            if (!stacks.TryGetValue((index, route), out var seen))
            {
                frames.Clear();
                for (var frame = log.CallStacks[index]; frame is not null; frame = frame.Caller)
                    if (frame.CodeAddress.FullMethodName is { Length: > 0 } name) frames.Add((FrameNames.Method(name), frame.CodeAddress.ModuleName));
                seen = (Classify(route, owner.Handler, frames), 0);
            }
            stacks[(index, route)] = (seen.Sample, seen.Count + 1);
        };
        source.Process();
        var blocked = stacks.Values.Where(v => v.Sample is not null).Select(v => (v.Sample!.Value, v.Count));
        return (Summarize(blocked), requestSamples, samples);
    }
}
