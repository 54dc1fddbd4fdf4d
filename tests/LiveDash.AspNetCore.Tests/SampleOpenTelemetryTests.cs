using LiveDash.Tests.Telemetry;
using Xunit.Abstractions;

namespace LiveDash.AspNetCore.Tests;

/// <summary>
/// The three lines give a plain app the trace feature: the sample, pointed at a real Aspire dashboard by
/// OTEL_EXPORTER_OTLP_ENDPOINT alone, exports a server span per /blocking request that starts at the socket,
/// with its "waiting for a thread" child.
/// </summary>
public class SampleOpenTelemetryTests(ITestOutputHelper output)
{
    const string ServerSpan = "GET /blocking";

    [Fact]
    public async Task TheSampleExportsServerSpansWithTheirWaitForAThread()
    {
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token;
        using var dashboard = await AspireDashboard.StartAsync(ct);
        var service = "livedash-sample-" + Guid.NewGuid().ToString("N")[..8];
        await using var app = await SampleProcess.StartAsync(SampleProcess.SampleDll(),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", dashboard.OtlpGrpc.ToString()), ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            ("OTEL_SERVICE_NAME", service), ("OTEL_BSP_SCHEDULE_DELAY", "500"));

        // 40 clients at once on a pool that starts with a thread or two per core: most wait for a thread.
        const int Requests = 120;
        await Task.WhenAll(Enumerable.Range(0, 40).Select(async _ =>
        {
            for (var i = 0; i < Requests / 40; i++) (await app.Client.GetAsync("blocking", ct)).EnsureSuccessStatusCode();
        }));

        IReadOnlyList<AspireDashboard.Span> spans = [];
        for (var i = 0; i < 30 && spans.Count(s => s.Name == ServerSpan) < Requests; i++)
        {
            await Task.Delay(1000, ct);
            spans = await dashboard.SpansAsync(service, ct);
        }
        var children = spans.Where(s => s.ParentId is not null).ToLookup(s => s.ParentId!);
        var servers = spans.Where(s => s.Name == ServerSpan).ToList();
        var waits = servers.Select(s => (Server: s, Wait: children[s.Id].FirstOrDefault(c => c.Name == TelemetryActivities.WaitingForThreadName)))
            .Where(p => p.Wait is not null).ToList();
        output.WriteLine($"{servers.Count} of {Requests} /blocking spans exported, {waits.Count} with 'waiting for a thread'; "
            + $"longest wait {waits.Select(p => p.Wait!.DurationMs).DefaultIfEmpty().Max():0} ms");
        Assert.Equal(Requests, servers.Count);
        Assert.True(waits.Count >= Requests * 9 / 10, $"only {waits.Count} of {servers.Count} server spans have a wait child");
        // The server span starts where the bytes reached the socket, with its wait; the wait ends before the app's 50 ms.
        Assert.All(waits, p =>
        {
            Assert.InRange(p.Wait!.StartNs - p.Server.StartNs, -1_000_000, 1_000_000);
            Assert.True(p.Server.DurationMs >= 50 + p.Wait.DurationMs - 1, $"server span {p.Server.DurationMs:0} ms, wait {p.Wait.DurationMs:0} ms");
        });
        Assert.True(waits.Max(p => p.Wait!.DurationMs) > 20, "40 blocking clients on a small pool: some request waited for a thread");
    }
}
