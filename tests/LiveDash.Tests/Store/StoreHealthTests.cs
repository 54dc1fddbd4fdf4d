using LiveDash.Store;
using Microsoft.Extensions.Logging;

namespace LiveDash.Tests.Store;

public class StoreHealthTests
{
    sealed class ManualClock : TimeProvider
    {
        public long Ticks { get; set; } = 1_000;
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
        public override long GetTimestamp() => Ticks;
        public void Advance(TimeSpan by) => Ticks += by.Ticks;
    }

    [Fact]
    public void AnOutageIsOneWarningACountEveryTenSecondsAndOneLineWhenBack()
    {
        var logs = new TestLogs();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Information));
        var clock = new ManualClock();
        var health = new StoreHealth(factory.CreateLogger<StoreHealth>(), clock);
        var startedBeforeTheOutage = health.CallStarted();

        for (var second = 0; second < 25; second++)
        {
            for (var request = 0; request < 1000; request++) health.ReportUnavailable("connection refused");
            // A query that was already running when the server went down still finishes: it does not end the outage.
            health.ReportAvailable(startedBeforeTheOutage);
            clock.Advance(TimeSpan.FromSeconds(1));
        }
        var startedDuringTheOutage = health.CallStarted();
        Assert.True(health.IsDown);
        health.ReportAvailable(startedDuringTheOutage);
        health.ReportAvailable(startedDuringTheOutage);

        var lines = logs.Since(DateTimeOffset.MinValue).Select(l => l.Message).ToList();
        Assert.False(health.IsDown);
        Assert.Equal(4, lines.Count);
        Assert.Contains("became unreachable", lines[0]);
        Assert.Contains("still unreachable after 10 s", lines[1]);
        Assert.Contains("still unreachable after 20 s", lines[2]);
        Assert.Contains("reachable again after 25.0 s (25000 database calls failed in all)", lines[3]);
    }
}
