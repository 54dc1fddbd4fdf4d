using System.Diagnostics;
using LiveDash.AspNetCore;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.ObjectPool;

namespace LiveDash.AspNetCore;

/// <summary>
/// One request's moments, as <see cref="Stopwatch"/> timestamps: its bytes reaching the server, arrival
/// at our first middleware, the endpoint starting, each round trip the host reports (e.g. to a database), the end.
/// Pooled and reused: a host that keeps one past its request checks <see cref="Generation"/>, which also keeps a
/// late round-trip call from writing into the next request's timeline.
/// </summary>
public sealed class RequestTimeline
{
    /// <summary>How many round trips one request records; later ones are not kept.</summary>
    public const int MaxRoundTrips = 8;

    // Its change handler times each thread's segments of the request (see ThreadSlots).
    static readonly AsyncLocal<RequestTimeline?> CurrentTimeline = new(ThreadSlots.OnChanged);

    readonly long[] _dbStart = new long[MaxRoundTrips];
    readonly long[] _dbEnd = new long[MaxRoundTrips];
    readonly string[] _dbLabel = new string[MaxRoundTrips];
    int _roundTrips;

    internal RequestTimeline() => Threads = new RequestThreadState(this);

    /// <summary>The request's time on threads (see <see cref="ThreadSlots"/>).</summary>
    internal RequestThreadState Threads { get; }

    /// <summary>The timeline of the request this code runs for (an AsyncLocal, so on any thread it flows to); null outside a measured request.</summary>
    public static RequestTimeline? Current
    {
        get => CurrentTimeline.Value;
        internal set => CurrentTimeline.Value = value;
    }

    /// <summary>Changes each time the pooled timeline starts another request.</summary>
    public int Generation { get; private set; }
    /// <summary>When the request's bytes reached the server (see <see cref="ArrivalWatcher"/>), else <see cref="Arrived"/>.</summary>
    public long Received { get; private set; }
    /// <summary>Whether <see cref="Received"/> was measured at the socket rather than taken from <see cref="Arrived"/>.</summary>
    internal bool ReceivedMeasured { get; private set; }
    /// <summary>Client send → bytes received, in ms, from the client's X-LiveDash-Sent header; -1 when unknown.</summary>
    internal double BeforeServerMs { get; private set; }
    /// <summary>When the request reached LiveDash's first middleware.</summary>
    public long Arrived { get; private set; }
    /// <summary>When its endpoint started (see <c>UseLiveDashHandlerStart</c>); 0 before, or without that middleware.</summary>
    public long HandlerStarted { get; private set; }
    internal long Ended { get; private set; }
    internal int Status { get; private set; }
    internal bool Failed { get; private set; }
    /// <summary>The request's label (see <see cref="ILiveDashLabels"/>).</summary>
    internal int Mode { get; private set; }
    /// <summary>The endpoint that handled the request (kept because status-code pages re-execute with another).</summary>
    internal Endpoint? Endpoint { get; private set; }
    internal int RoundTrips => Math.Min(Volatile.Read(ref _roundTrips), MaxRoundTrips);

    /// <summary>A new request: <c>received</c> is when its bytes arrived (a Stopwatch timestamp), or 0 when not measured.</summary>
    internal void Start(long arrived, long received, int mode)
    {
        Generation++;
        Arrived = arrived;
        // A stamp a little after our own (millisecond-resolution kernel times) means no wait at all.
        ReceivedMeasured = received > 0;
        Received = ReceivedMeasured ? Math.Min(received, arrived) : arrived;
        BeforeServerMs = -1;
        Mode = mode;
        HandlerStarted = 0;
        Endpoint = null;
        Ended = 0;
        Status = 0;
        Failed = false;
        Volatile.Write(ref _roundTrips, 0);
    }

    internal void SetBeforeServer(double milliseconds) => BeforeServerMs = milliseconds;

    internal void MarkHandlerStarted(long timestamp, Endpoint? endpoint = null)
    {
        if (HandlerStarted != 0) return;
        HandlerStarted = timestamp;
        Endpoint = endpoint;
    }

    internal void Finish(long ended, int status, bool failed)
    {
        Ended = ended;
        Status = status;
        Failed = failed;
    }

    /// <summary>A round trip of the request's own (e.g. a database query) begins; drawn in the waterfall under its label.</summary>
    /// <param name="label">What it is, e.g. "find-user" (the tick keeps up to 16 distinct labels).</param>
    /// <param name="timestamp">Now, a <see cref="Stopwatch.GetTimestamp"/> value.</param>
    /// <returns>A token for <see cref="EndRoundTrip"/>, or -1 when the timeline has no room left.</returns>
    public long BeginRoundTrip(string label, long timestamp)
    {
        var slot = Interlocked.Increment(ref _roundTrips) - 1;
        if (slot >= MaxRoundTrips) return -1;
        _dbLabel[slot] = label;
        _dbEnd[slot] = 0;
        _dbStart[slot] = timestamp;
        return ((long)Generation << 8) | (uint)slot;
    }

    /// <summary>The round trip <paramref name="token"/> names has ended (a stale or -1 token is ignored).</summary>
    /// <param name="token">What <see cref="BeginRoundTrip"/> returned.</param>
    /// <param name="timestamp">Now, a <see cref="Stopwatch.GetTimestamp"/> value.</param>
    public void EndRoundTrip(long token, long timestamp)
    {
        if (token < 0 || (int)(token >> 8) != Generation) return;
        _dbEnd[(int)(token & 0xFF)] = timestamp;
    }

    /// <summary>Whether a database round trip is open now (the watchdog reads it from another thread).</summary>
    internal bool InRoundTrip
    {
        get
        {
            var last = RoundTrips - 1;
            return last >= 0 && Volatile.Read(ref _dbEnd[last]) == 0 && Volatile.Read(ref _dbStart[last]) != 0;
        }
    }

    internal (long Start, long End, string Label) RoundTrip(int index) => (_dbStart[index], _dbEnd[index], _dbLabel[index]);

    /// <summary>Time spent inside the reported round trips, in Stopwatch ticks (unfinished ones count up to the end).</summary>
    /// <returns>The sum of their durations.</returns>
    public long RoundTripTicks()
    {
        long sum = 0;
        for (var i = 0; i < RoundTrips; i++)
        {
            var end = _dbEnd[i] == 0 ? Ended : _dbEnd[i];
            if (end > _dbStart[i]) sum += end - _dbStart[i];
        }
        return sum;
    }

    internal sealed class Policy : PooledObjectPolicy<RequestTimeline>
    {
        public override RequestTimeline Create() => new();
        public override bool Return(RequestTimeline obj) => true;
    }
}
