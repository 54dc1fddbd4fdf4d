using System.Diagnostics;
using LiveDash.LoadTests.Running;

namespace LiveDash.LoadTests.Agent;

/// <summary>One run on one agent: its runner, how far its seconds have been reported, and how it ended.</summary>
public sealed class AgentRun(string id, LoadRunner runner, HttpClient http)
{
    readonly CancellationTokenSource _stop = new();
    readonly long _started = Stopwatch.GetTimestamp();
    int _nextSecond;

    public string Id { get; } = id;
    public LoadRunner Runner { get; } = runner;
    internal HttpClient Http { get; } = http;
    internal CancellationToken Stopping => _stop.Token;
    public Task Completion { get; internal set; } = Task.CompletedTask;
    public RunResult? Result { get; internal set; }

    /// <summary>True once the run was told to stop (from the server, or because the server was lost): no new requests start.</summary>
    public bool StopRequested => _stop.IsCancellationRequested;
    public string? StopReason { get; private set; }

    /// <summary>The safety stop: the agent lost its server, so its load stops ("lost the server at 5:02", from the run's start).</summary>
    public void LostServer()
    {
        var at = Stopwatch.GetElapsedTime(_started);
        Cancel($"lost the server at {(int)at.TotalMinutes}:{at.Seconds:00}");
    }

    public void Cancel(string reason = "stopped from the server")
    {
        StopReason ??= reason;
        _stop.Cancel();
    }

    /// <summary>Sends every measured second that can no longer change (all of them when the run has ended); none of the warm-up.</summary>
    internal void SendFinishedSeconds(AgentOutbox outbox, bool final)
    {
        if (Runner.MeasuredStats is not { } stats) return;
        lock (this)
        {
            var end = final
                ? Math.Min(stats.SecondCount, (int)Math.Ceiling(Result?.Seconds ?? 0))
                : stats.SecondOf(Stopwatch.GetTimestamp() - (long)(0.1 * Stopwatch.Frequency));
            for (; _nextSecond < end; _nextSecond++)
            {
                var s = stats.At(_nextSecond);
                var buckets = s?.Buckets();
                outbox.Add(s is null
                    ? new RunSecond(Id, _nextSecond, 0, 0, 0, Empty, Empty, null)
                    : new RunSecond(Id, _nextSecond, s.Requests, s.Errors, s.Dropped,
                        buckets is { } b ? WireHistogram.Of(b.Corrected) : Empty, buckets is { } b2 ? WireHistogram.Of(b2.Raw) : Empty,
                        s.ErrorsByKind.IsEmpty ? null : new Dictionary<string, long>(s.ErrorsByKind)));
                s?.ReleaseBuckets();
            }
        }
    }

    static readonly WireHistogram Empty = new([], 0, 0, 0);
}
