using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace LiveDash.AspNetCore;

/// <summary>
/// Measures when a request's bytes reach the server and when its response leaves it, outside the
/// thread pool, so end-to-end latency includes every wait for a pool thread.
/// </summary>
/// <remarks>
/// On Linux the runtime hands every readable socket to a thread-pool work item, and Kestrel sends
/// responses from pool work items too; under starvation nothing managed runs when bytes arrive, and a
/// stamp taken by middleware is as late as the request itself. So each HTTP connection's socket is
/// registered, one-shot, in an epoll set of our own, waited on by one dedicated thread: the kernel says
/// "readable", the thread stamps the connection, and after each request the connection is re-armed.
/// When the response went out is read from the kernel's TCP_INFO (last data sent, millisecond
/// resolution) when the next request arrives on the connection, or by the watcher thread within about
/// half a second. While requests wait for a thread under 5 ms, that close watch is dropped for the
/// kernel's TCP_INFO alone (last data received, read when the request reaches our middleware): one
/// system call a request instead of a re-arm and a thread wake-up. The runtime does all the reading and writing; we only look.
/// </remarks>
sealed class ArrivalWatcher : IDisposable
{
    const int MaxEvents = 64;
    const uint EpollIn = 0x001, EpollRdHup = 0x2000, EpollOneShot = 1u << 30;
    const int CtlAdd = 1, CtlDel = 2, CtlMod = 3;
    const int IpProtoTcp = 6, TcpInfo = 11, TcpInfoSize = 104;          // struct tcp_info, linux/tcp.h
    const int LastDataSentOffset = 44, LastDataRecvOffset = 52;
    const int SweepMs = 250;
    // epoll_event is packed on x86-64 (12 bytes) and naturally aligned elsewhere (16 bytes).
    static readonly int EventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    static readonly int DataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;
    static readonly long TicksPerMs = Stopwatch.Frequency / 1000;
    static readonly long CloseWatchTicks = 5 * TicksPerMs;

    readonly TelemetryRecorder _recorder;
    readonly int _epoll = -1;
    readonly Thread? _thread;
    readonly Dictionary<ulong, ConnectionArrival> _watched = [];
    readonly Lock _watchedLock = new();
    ulong _nextId;
    volatile bool _disposed;

    /// <param name="recorder">Where end-to-end figures go.</param>
    /// <param name="useKernel">False acts as on a system without epoll (tests of such a host).</param>
    public ArrivalWatcher(TelemetryRecorder recorder, bool useKernel = true)
    {
        _recorder = recorder;
        if (!useKernel || !OperatingSystem.IsLinux()) return;
        try
        {
            _epoll = EpollCreate1(0x80000 /* EPOLL_CLOEXEC */);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            _epoll = -1;
        }
        if (_epoll < 0) return;
        _thread = new Thread(Run) { IsBackground = true, Name = "LiveDash arrival watcher" };
        _thread.Start();
    }

    /// <summary>False where the kernel cannot be asked (not Linux): latency then counts from our first middleware.</summary>
    public bool IsMeasuring => _epoll >= 0;

    /// <summary>Kestrel connection middleware: watches the connection's socket while Kestrel serves it.</summary>
    public ConnectionDelegate Middleware(ConnectionDelegate next) => async connection =>
    {
        var arrival = Watch(connection);
        if (arrival is not null) connection.Features.Set(arrival);
        try
        {
            await next(connection);
        }
        finally
        {
            if (arrival is not null) Unwatch(arrival);
        }
    };

    ConnectionArrival? Watch(ConnectionContext connection)
    {
        if (!IsMeasuring || connection.Features.Get<IConnectionSocketFeature>()?.Socket is not { } socket) return null;
        ConnectionArrival arrival;
        lock (_watchedLock)
        {
            arrival = new ConnectionArrival(this, socket, ++_nextId);
            _watched[arrival.Id] = arrival;
        }
        // Under starvation a new connection is accepted late; if its first bytes are already waiting, the kernel knows since when.
        if (HasWaitingBytes(socket) && ReadTcpInfo(socket, LastDataRecvOffset) is { } ageMs)
            arrival.Stamp(Stopwatch.GetTimestamp() - ageMs * TicksPerMs);
        if (!arrival.Control(CtlAdd))
        {
            lock (_watchedLock) _watched.Remove(arrival.Id);
            return null;
        }
        return arrival;
    }

    void Unwatch(ConnectionArrival arrival)
    {
        arrival.ResolveSend(sweeping: false);
        arrival.Control(CtlDel);
        lock (_watchedLock) _watched.Remove(arrival.Id);
    }

    static bool HasWaitingBytes(Socket socket)
    {
        try { return socket.Available > 0; }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { return false; }
    }

    /// <summary>Milliseconds since the kernel last received / sent data on the socket (TCP_INFO).</summary>
    static long? ReadTcpInfo(Socket socket, int offset)
    {
        try
        {
            Span<byte> info = stackalloc byte[TcpInfoSize];
            if (socket.GetRawSocketOption(IpProtoTcp, TcpInfo, info) < offset + 4) return null;
            return BitConverter.ToUInt32(info[offset..]);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or PlatformNotSupportedException)
        {
            return null;
        }
    }

    void Run()
    {
        var events = Marshal.AllocHGlobal(EventSize * MaxEvents);
        var lastSweep = Stopwatch.GetTimestamp();
        try
        {
            while (!_disposed)
            {
                var n = EpollWait(_epoll, events, MaxEvents, SweepMs);
                var now = Stopwatch.GetTimestamp();
                lock (_watchedLock)
                {
                    for (var i = 0; i < n; i++)
                    {
                        var id = (ulong)Marshal.ReadInt64(events, i * EventSize + DataOffset);
                        if (_watched.TryGetValue(id, out var arrival)) arrival.Stamp(now);
                    }
                    if (now - lastSweep < SweepMs * TicksPerMs) continue;
                    lastSweep = now;
                    // Responses whose connection went quiet: their send time is read here instead of at the next request.
                    foreach (var arrival in _watched.Values) arrival.ResolveSend(sweeping: true);
                }
            }
        }
        finally
        {
            Marshal.FreeHGlobal(events);
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _thread?.Join(TimeSpan.FromSeconds(2));
        if (_epoll >= 0) Close(_epoll);
    }

    /// <summary>
    /// One connection's moments: when its bytes last became readable (set by the watcher thread, taken by
    /// the request they belong to), and the last request's end-to-end figure, waiting for its send time.
    /// </summary>
    public sealed class ConnectionArrival(ArrivalWatcher watcher, Socket socket, ulong id)
    {
        const int None = 0, Pending = 1, Claimed = 2;
        static readonly long MaxPendingTicks = Stopwatch.Frequency * 60;
        long _stamp;
        int _sendState;
        int _mode;
        long _received, _arrived, _ended;
        bool _measured;
        System.Diagnostics.ActivityContext _trace;

        internal ulong Id => id;

        /// <summary>Keeps the earliest stamp until a request takes it.</summary>
        internal void Stamp(long timestamp) => Interlocked.CompareExchange(ref _stamp, timestamp, 0);

        /// <summary>
        /// When this request's bytes reached the server (a Stopwatch timestamp), or 0; clears the stamp.
        /// Where the watcher did not see them (not watched while threads were to spare, or read before the
        /// connection was re-armed), the kernel's last-received time stands in, at its millisecond resolution.
        /// </summary>
        public long Take()
        {
            ResolveSend(sweeping: false);
            var stamp = Interlocked.Exchange(ref _stamp, 0);
            if (stamp != 0) return stamp;
            return ReadTcpInfo(socket, LastDataRecvOffset) is { } ageMs ? Stopwatch.GetTimestamp() - ageMs * TicksPerMs : 0;
        }

        /// <summary>
        /// After a request: while the pool makes requests wait, its end-to-end latency is recorded once its
        /// response has left (see <see cref="ResolveSend"/>) and the connection is watched for the next
        /// request's bytes; otherwise it is recorded now. Either way a late stamp that belonged to it is forgotten.
        /// </summary>
        public void Rearm(int mode, long received, long arrived, long ended, bool measured)
        {
            ResolveSend(sweeping: false);   // one still waiting is settled first
            // A stamp that came after the app had started is this request's, seen late: its bytes waited for no thread.
            if (Interlocked.Exchange(ref _stamp, 0) is var late && !measured && late >= arrived) measured = true;
            // While requests wait for threads only briefly (this one waited under 5 ms), the response goes out about
            // at once and the next request's arrival is read from TCP_INFO: one system call a request. A pool that makes
            // requests wait longer gets the closer, costlier watch (an epoll re-arm and a wake-up of the watcher).
            if (arrived - received < CloseWatchTicks)
            {
                watcher._recorder.RecordEndToEnd(mode, ended - received, arrived - received, 0, measured);
                return;
            }
            _mode = mode;
            _received = received;
            _arrived = arrived;
            _ended = ended;
            _measured = measured;
            _trace = TelemetryActivities.CurrentContext();
            Volatile.Write(ref _sendState, Pending);
            Control(CtlMod);
        }

        /// <summary>Re-arms after a request that is not measured (the hub's).</summary>
        public void Rearm()
        {
            Volatile.Write(ref _stamp, 0);
            Control(CtlMod);
        }

        /// <summary>
        /// Records the pending request's end-to-end latency up to when the kernel last sent data on the
        /// connection, when that is after the app handed the response over (±1 ms); the sweep leaves a
        /// response not yet sent for later, and gives up after a minute (counting to the hand-over).
        /// </summary>
        internal void ResolveSend(bool sweeping)
        {
            if (Interlocked.CompareExchange(ref _sendState, Claimed, Pending) != Pending) return;
            var now = Stopwatch.GetTimestamp();
            var sent = ReadTcpInfo(socket, LastDataSentOffset) is { } ageMs ? now - ageMs * TicksPerMs : 0;
            if (sweeping && sent < _ended - TicksPerMs && now - _ended < MaxPendingTicks)
            {
                Volatile.Write(ref _sendState, Pending);
                return;
            }
            var end = Math.Max(sent, _ended);
            watcher._recorder.RecordEndToEnd(_mode, end - _received, _arrived - _received, end - _ended, _measured);
            TelemetryActivities.WaitedToSend(_trace, _ended, end);
            Volatile.Write(ref _sendState, None);
        }

        internal unsafe bool Control(int op)
        {
            var handle = socket.SafeHandle;
            var added = false;
            try
            {
                handle.DangerousAddRef(ref added);
                if (handle.IsClosed) return false;
                var ev = stackalloc byte[16];
                *(uint*)ev = EpollIn | EpollRdHup | EpollOneShot;
                *(ulong*)(ev + DataOffset) = id;
                return EpollCtl(watcher._epoll, op, (int)handle.DangerousGetHandle(), (nint)ev) == 0;
            }
            catch (ObjectDisposedException)
            {
                return false;
            }
            finally
            {
                if (added) handle.DangerousRelease();
            }
        }
    }

    [DllImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    static extern int EpollCreate1(int flags);

    [DllImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    static extern int EpollCtl(int epfd, int op, int fd, nint ev);

    [DllImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    static extern int EpollWait(int epfd, nint events, int maxEvents, int timeoutMs);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    static extern int Close(int fd);
}
