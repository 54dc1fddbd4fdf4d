using System.Diagnostics;
using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing.Parsers;
using Microsoft.Extensions.Logging;

namespace LiveDash.AspNetCore;

/// <summary>
/// One capture at a time, per process: an EventPipe session on this very process with the runtime's sample profiler
/// (every managed thread's stack, once a millisecond) for N seconds, written to a temporary file; then the runtime's
/// rundown (names of methods compiled before the session); then the file is read and joined to the threads' routes.
/// All of it runs on threads of its own, never on a request's thread, and ends within bounded time and file size.
/// </summary>
sealed class BlockingCapture(IThreadRouteSource routes, ILogger<BlockingCapture> logger)
{
    public const int DefaultSeconds = 5;
    public const int MaxSeconds = 30;

    /// <summary>
    /// Throughput lost while a capture runs, in percent, as bench/blocking-capture.sh measured it on the sample (2 cores; 60
    /// clients blocked on /blocking, /sync-over-async and /lock, 300 on /async keeping the cores busy): 15% and 8% in two
    /// runs (6,076 → 5,174 and 6,207 → 5,708 req/s during a 6 s capture); the larger is shown beside the button.
    /// </summary>
    public const int CostPercent = 15;

    /// <summary>The rundown after the sampling names every method compiled so far; past this the capture gives up.</summary>
    static readonly TimeSpan RundownCut = TimeSpan.FromSeconds(10);
    /// <summary>Reading the trace back; past this the capture gives up.</summary>
    static readonly TimeSpan AnalysisCut = TimeSpan.FromSeconds(20);
    /// <summary>A trace past this size stops the sampling early (about 25,000 thread-samples a second for 30 s).</summary>
    internal const long MaxTraceBytes = 128L << 20;
    const int RuntimeBufferMB = 64;

    // The sampler sees the whole process, so one capture at a time per process, not per app.
    static int s_running;
    static volatile BlockingReport? s_last;
    static volatile Running? s_current;

    internal sealed record Running(int Seconds, DateTimeOffset StartedAt, Task<BlockingReport> Done);

    /// <summary>The last finished capture's result, or null.</summary>
    public BlockingReport? Last => s_last;

    /// <summary>The capture running now, or null.</summary>
    internal Running? Current => s_current;

    /// <summary>Starts a capture of <paramref name="seconds"/> on threads of its own; null when one is running already.</summary>
    public Task<BlockingReport>? TryStart(int seconds)
    {
        if (Interlocked.CompareExchange(ref s_running, 1, 0) != 0) return null;
        var done = new TaskCompletionSource<BlockingReport>(TaskCreationOptions.RunContinuationsAsynchronously);
        s_current = new Running(seconds, DateTimeOffset.UtcNow, done.Task);
        var thread = new Thread(() =>
        {
            var report = Run(seconds);
            // The capture allocated tens of MB at once (the owner buffer, the trace's index); hand it back now rather than let the heap keep it.
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            s_last = report;
            s_current = null;
            Volatile.Write(ref s_running, 0);
            done.SetResult(report);
        })
        { IsBackground = true, Name = "LiveDash blocking capture" };
        thread.Start();
        return done.Task;
    }

    BlockingReport Run(int seconds)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var began = Stopwatch.GetTimestamp();
        var netTrace = Path.Combine(Path.GetTempPath(), $"livedash-blocking-{Environment.ProcessId}-{Guid.NewGuid():N}.nettrace");
        var etlx = Path.ChangeExtension(netTrace, ".etlx");
        BlockingReport Report(IReadOnlyList<BlockingEndpoint> endpoints, string? error, string? note, long requestSamples = 0) =>
            new(seconds, startedAt, endpoints, error, note) { TookMs = (long)Stopwatch.GetElapsedTime(began).TotalMilliseconds, RequestSamples = requestSamples };
        try
        {
            if (!routes.Start()) return Report([], "this platform gives no OS thread ids to join samples to requests (Linux and Windows do)", null);
            ThreadRoutes owners;
            double sampledSeconds;
            try
            {
                sampledSeconds = Record(seconds, netTrace);
            }
            finally
            {
                owners = routes.Stop();
            }
            using var cut = new CancellationTokenSource(AnalysisCut);
            var (endpoints, requestSamples, samples) = BlockingAnalysis.Read(netTrace, etlx, owners, cut.Token);
            var notes = new List<string>();
            if (cut.IsCancellationRequested) notes.Add($"reading the trace took over {AnalysisCut.TotalSeconds:F0} s; what was read by then is shown");
            if (sampledSeconds < seconds - 0.5) notes.Add($"sampling stopped after {sampledSeconds:F1} s: the trace reached {MaxTraceBytes >> 20} MB");
            if (owners.Overflowed) notes.Add("requests switched threads too often to follow them all; later samples were left out");
            if (samples == 0) notes.Add("the sampler delivered no samples");
            else if (requestSamples == 0) notes.Add("no request ran on a thread during the capture");
            else if (endpoints.Count == 0) notes.Add($"no blocking seen: none of {requestSamples} samples of request threads was blocked");
            return Report(endpoints, null, notes.Count == 0 ? null : string.Join("; ", notes), requestSamples);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "The blocking capture failed; the app keeps serving");
            return Report([], $"the capture failed: {e.GetType().Name}: {e.Message}", null);
        }
        finally
        {
            TryDelete(netTrace);
            TryDelete(etlx);
        }
    }

    /// <summary>Samples for <paramref name="seconds"/> (less when the trace grows too big) into <paramref name="path"/>; returns the seconds sampled.</summary>
    static double Record(int seconds, string path)
    {
        var providers = new[]
        {
            new EventPipeProvider("Microsoft-DotNETCore-SampleProfiler", EventLevel.Informational),
            // Methods compiled during the capture (their names); the rundown at the end names those compiled before.
            new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational,
                (long)(ClrTraceEventParser.Keywords.Jit | ClrTraceEventParser.Keywords.Loader | ClrTraceEventParser.Keywords.JittedMethodILToNativeMap)),
        };
        var client = new DiagnosticsClient(Environment.ProcessId);
        using var session = client.StartEventPipeSession(providers, requestRundown: true, circularBufferMB: RuntimeBufferMB);
        var started = Stopwatch.GetTimestamp();
        using var tooBig = new ManualResetEventSlim();
        Exception? copyFailed = null;
        // The stream must be drained while the runtime writes it (the runtime blocks on a full pipe), so a thread of its own copies it.
        var copier = new Thread(() =>
        {
            try
            {
                using var file = File.Create(path);
                var buffer = new byte[81920];
                long written = 0;
                int read;
                while ((read = session.EventStream.Read(buffer, 0, buffer.Length)) > 0)
                {
                    file.Write(buffer, 0, read);
                    if ((written += read) > MaxTraceBytes) tooBig.Set();
                }
            }
            catch (Exception e)
            {
                copyFailed = e;
            }
        })
        { IsBackground = true, Name = "LiveDash blocking capture: trace copy" };
        copier.Start();
        tooBig.Wait(TimeSpan.FromSeconds(seconds));
        var sampled = Stopwatch.GetElapsedTime(started).TotalSeconds;
        session.Stop();
        if (!copier.Join(RundownCut))
        {
            session.Dispose();
            copier.Join(TimeSpan.FromSeconds(2));
            throw new TimeoutException($"the runtime's rundown (the names of compiled methods) took over {RundownCut.TotalSeconds:F0} s");
        }
        if (copyFailed is not null) throw new IOException("the trace could not be written: " + copyFailed.Message, copyFailed);
        return sampled;
    }

    static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
