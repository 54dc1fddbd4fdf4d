using System.Diagnostics;
using LiveDash.AspNetCore;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.ObjectPool;

namespace LiveDash.Telemetry;

/// <summary>
/// One request's moments, as <see cref="Stopwatch"/> timestamps: its bytes reaching the server, arrival
/// at our first middleware, the endpoint starting, each database round trip, the end. Pooled and reused; a generation number
/// keeps a late round-trip call from writing into the next request's timeline.
/// </summary>
public sealed class RequestTimeline
{
    public const int MaxRoundTrips = 8;

    // Its change handler times each thread's segments of the request (see ThreadSlots).
    static readonly AsyncLocal<RequestTimeline?> CurrentTimeline = new(ThreadSlots.OnChanged);

    readonly long[] _dbStart = new long[MaxRoundTrips];
    readonly long[] _dbEnd = new long[MaxRoundTrips];
    readonly string[] _dbLabel = new string[MaxRoundTrips];
    int _roundTrips;

    public RequestTimeline() => Threads = new RequestThreadState(this);

    /// <summary>The request's time on threads (see <see cref="ThreadSlots"/>).</summary>
    internal RequestThreadState Threads { get; }

    public static RequestTimeline? Current
    {
        get => CurrentTimeline.Value;
        set => CurrentTimeline.Value = value;
    }

    public int Generation { get; private set; }
    /// <summary>When the request's bytes reached the server (see <see cref="ArrivalWatcher"/>), else <see cref="Arrived"/>.</summary>
    public long Received { get; private set; }
    /// <summary>Whether <see cref="Received"/> was measured at the socket rather than taken from <see cref="Arrived"/>.</summary>
    public bool ReceivedMeasured { get; private set; }
    /// <summary>Client send → bytes received, in ms, from the client's X-LiveDash-Sent header; -1 when unknown.</summary>
    public double BeforeServerMs { get; private set; }
    public long Arrived { get; private set; }
    public long HandlerStarted { get; private set; }
    public long Ended { get; private set; }
    public int Status { get; private set; }
    public bool Failed { get; private set; }
    /// <summary>The request's label (see <see cref="LiveDash.AspNetCore.ILiveDashLabels"/>).</summary>
    public int Mode { get; private set; }
    /// <summary>The endpoint that handled the request (kept because status-code pages re-execute with another).</summary>
    public Endpoint? Endpoint { get; private set; }
    public int RoundTrips => Math.Min(Volatile.Read(ref _roundTrips), MaxRoundTrips);

    /// <param name="received">When the bytes arrived (a Stopwatch timestamp), or 0 when not measured.</param>
    public void Start(long arrived, long received, int mode)
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

    public void SetBeforeServer(double milliseconds) => BeforeServerMs = milliseconds;

    public void MarkHandlerStarted(long timestamp, Endpoint? endpoint = null)
    {
        if (HandlerStarted != 0) return;
        HandlerStarted = timestamp;
        Endpoint = endpoint;
    }

    public void Finish(long ended, int status, bool failed)
    {
        Ended = ended;
        Status = status;
        Failed = failed;
    }

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

    public (long Start, long End, string Label) RoundTrip(int index) => (_dbStart[index], _dbEnd[index], _dbLabel[index]);

    /// <summary>Time spent inside database round trips, in Stopwatch ticks (unfinished ones count up to the end).</summary>
    public long DbTicks()
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
