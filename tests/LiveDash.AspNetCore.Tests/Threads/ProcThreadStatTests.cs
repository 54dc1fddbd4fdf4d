using System.Runtime.InteropServices;
using System.Text;

namespace LiveDash.AspNetCore.Tests.Threads;

public class ProcThreadStatTests
{
    [Fact]
    public void SchedstatGivesTimeOnCpuAndOnTheRunQueue()
    {
        Assert.True(ProcThreadStat.TryParseSchedstat("78824615 11572684 92\n"u8, out var cpu, out var runQueue));
        Assert.Equal(78_824_615, cpu);
        Assert.Equal(11_572_684, runQueue);
        Assert.False(ProcThreadStat.TryParseSchedstat(""u8, out _, out _));
        Assert.False(ProcThreadStat.TryParseSchedstat("garbage"u8, out _, out _));
    }

    [Theory]
    [InlineData("202 0x7f 0x80 0x0 0x0 0x0 0x0 0x7ffe 0x7ff3\n", 202)]
    [InlineData("230 0x1 0x0 0x7ffc 0x0 0x0 0x0 0x7ffc 0x7f\n", 230)]
    [InlineData("running\n", ProcThreadStat.Running)]
    [InlineData("-1 0x7ffe 0x7ff3\n", ProcThreadStat.NoSyscall)]
    [InlineData("", ProcThreadStat.NoSyscall)]
    public void SyscallNamesWhatTheThreadSitsIn(string text, int expected) =>
        Assert.Equal(expected, ProcThreadStat.ParseSyscall(Encoding.ASCII.GetBytes(text)));

    [Theory]
    [InlineData(230, "sleep")]
    [InlineData(45, "socket read")]
    [InlineData(44, "socket write")]
    [InlineData(202, "lock or wait")]
    [InlineData(232, "poll")]
    [InlineData(0, "other syscall")]
    public void X64SyscallsHaveTheirKind(int syscall, string kind) => Assert.Equal(kind, ProcThreadStat.Name(ProcThreadStat.KindOf(syscall, Architecture.X64)));

    [Fact]
    public void Arm64FutexIsALockOrWaitAndUnknownMachinesSayOther()
    {
        Assert.Equal(BlockKind.LockOrWait, ProcThreadStat.KindOf(98, Architecture.Arm64));
        Assert.Equal(BlockKind.OtherSyscall, ProcThreadStat.KindOf(202, Architecture.RiscV64));
    }

    [Fact]
    public void ARunnableThreadWasWaitingForACpuNotBlocked()
    {
        // 20 ms of wall time, 5 ms on CPU by its counters, 2 ms on the run queue so far: runnable now, so the rest waited for a CPU.
        var (wall, cpu, runQueue, blocked) = ThreadWatchdog.Split(20_000_000, 5_000_000, 2_000_000, runningNow: true, blockedBefore: false);
        Assert.Equal((20_000_000, 5_000_000, 15_000_000, 0), (wall, cpu, runQueue, blocked));
    }

    [Fact]
    public void ABlockedThreadWasBlockedForWhatItsCountersDoNotShow()
    {
        Assert.Equal((20_000_000L, 1_000_000L, 1_000_000L, 18_000_000L), ThreadWatchdog.Split(20_000_000, 1_000_000, 1_000_000, runningNow: false, blockedBefore: false));
        // Woke since the last look: blocked until then.
        Assert.Equal(18_000_000L, ThreadWatchdog.Split(20_000_000, 1_000_000, 1_000_000, runningNow: true, blockedBefore: true).Blocked);
    }

    [Fact]
    public void CountersCatchingUpStretchTheWallAndNeverGoNegative()
    {
        var (wall, cpu, runQueue, blocked) = ThreadWatchdog.Split(20_000_000, 24_000_000, -5, runningNow: true, blockedBefore: false);
        Assert.Equal((24_000_000, 24_000_000, 0, 0), (wall, cpu, runQueue, blocked));
    }
}
