using System.Runtime.InteropServices;

namespace LiveDash.AspNetCore;

/// <summary>What a blocked thread sits in, from the syscall it is in (Linux, /proc/self/task/TID/syscall).</summary>
internal enum BlockKind
{
    Sleep,
    SocketRead,
    SocketWrite,
    LockOrWait,
    DatabaseWait,
    Poll,
    OtherSyscall,
}

/// <summary>Parses /proc/self/task/TID/schedstat and /syscall, and names a syscall's kind of block.</summary>
internal static class ProcThreadStat
{
    public const int KindCount = 7;
    /// <summary>The /syscall file said "running": on a CPU (or about to be), in no syscall.</summary>
    public const int Running = -2;
    /// <summary>Blocked outside any syscall, or the file could not be parsed.</summary>
    public const int NoSyscall = -1;

    static readonly string[] Names = ["sleep", "socket read", "socket write", "lock or wait", "wait inside a database call", "poll", "other syscall"];

    public static string Name(BlockKind kind) => Names[(int)kind];

    /// <summary>"cpu_ns runqueue_ns timeslices": time on a CPU and time waiting on a run queue, in ns.</summary>
    public static bool TryParseSchedstat(ReadOnlySpan<byte> text, out long onCpuNs, out long runQueueNs)
    {
        runQueueNs = 0;
        return TryParseLong(ref text, out onCpuNs) && TryParseLong(ref text, out runQueueNs);
    }

    /// <summary>The syscall number the thread sits in, <see cref="Running"/> or <see cref="NoSyscall"/>.</summary>
    public static int ParseSyscall(ReadOnlySpan<byte> text)
    {
        if (text.StartsWith("running"u8)) return Running;
        if (text.Length > 0 && text[0] == (byte)'-') return NoSyscall;
        return TryParseLong(ref text, out var number) && number <= int.MaxValue ? (int)number : NoSyscall;
    }

    /// <summary>x86-64 and arm64 syscall numbers; any other machine names every block "other syscall".</summary>
    public static BlockKind KindOf(int syscall, Architecture architecture) => architecture switch
    {
        Architecture.X64 => syscall switch
        {
            35 or 230 => BlockKind.Sleep,                      // nanosleep, clock_nanosleep
            45 or 47 or 299 => BlockKind.SocketRead,          // recvfrom, recvmsg, recvmmsg (plain read/write are files and pipes: other)
            44 or 46 or 307 => BlockKind.SocketWrite,         // sendto, sendmsg, sendmmsg
            202 => BlockKind.LockOrWait,                       // futex: Monitor, SemaphoreSlim, ManualResetEventSlim, Task.Wait, Thread.Sleep on .NET 10
            7 or 23 or 232 or 270 or 271 or 281 or 441 => BlockKind.Poll,   // poll, select, epoll_wait, pselect6, ppoll, epoll_pwait, epoll_pwait2
            _ => BlockKind.OtherSyscall,
        },
        Architecture.Arm64 => syscall switch
        {
            101 or 115 => BlockKind.Sleep,
            207 or 212 or 243 => BlockKind.SocketRead,
            206 or 211 or 269 => BlockKind.SocketWrite,
            98 => BlockKind.LockOrWait,
            22 or 72 or 73 or 441 => BlockKind.Poll,
            _ => BlockKind.OtherSyscall,
        },
        _ => BlockKind.OtherSyscall,
    };

    static bool TryParseLong(ref ReadOnlySpan<byte> text, out long value)
    {
        value = 0;
        var i = 0;
        while (i < text.Length && text[i] == (byte)' ') i++;
        var start = i;
        while (i < text.Length && text[i] >= (byte)'0' && text[i] <= (byte)'9' && i - start < 19)
            value = value * 10 + (text[i++] - '0');
        if (i == start) return false;
        text = text[i..];
        return true;
    }
}
