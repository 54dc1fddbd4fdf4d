using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace LiveDash.AspNetCore.Tests;

/// <summary>Hosts unlike the sample: no arrival watcher (Windows, macOS), HTTP/2 only, their own OpenTelemetry.</summary>
public class HostVariantsTests
{
    static async Task Work(HttpClient client, int requests)
    {
        for (var i = 0; i < requests; i++) (await client.GetAsync("work")).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task WithoutTheArrivalWatcherTheDashboardWorksAndSaysItsFiguresAreEstimated()
    {
        await using var host = await TestKestrel.StartAsync(addLiveDash: services =>
        {
            // As on a system without epoll: the watcher is there but cannot ask the kernel.
            services.AddSingleton(sp => new ArrivalWatcher(sp.GetRequiredService<TelemetryRecorder>(), useKernel: false));
            services.AddLiveDash();
        });
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("livedash")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("livedash/assets/lib/chart.js/dist/chart.umd.min.js")).StatusCode);
        await Work(host.Client, 20);

        var summary = await host.SummaryAfterAsync(60);   // all of this fresh host's seconds
        Assert.True(summary.GetProperty("requests").GetInt64() >= 20, summary.ToString());
        var endToEnd = summary.GetProperty("endToEnd");
        Assert.Equal("estimated", endToEnd.GetProperty("source").GetString());
        Assert.Equal(0, endToEnd.GetProperty("measuredShare").GetDouble());
        Assert.True(endToEnd.GetProperty("p50Ms").GetDouble() > 0, summary.ToString());
    }

    [Fact]
    public async Task AnHttp2OnlyHostServesTheDashboardAndCountsItsRequests()
    {
        await using var host = await TestKestrel.StartAsync(
            builder => builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2)),
            client: baseAddress => new HttpClient
            {
                BaseAddress = baseAddress,
                DefaultRequestVersion = HttpVersion.Version20,
                DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,   // h2c with prior knowledge
            });
        using var page = await host.Client.GetAsync("livedash");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal(HttpVersion.Version20, page.Version);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("livedash/assets/js/dashboard.js")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.PostAsync("livedash/hub/negotiate?negotiateVersion=1", null)).StatusCode);
        await Work(host.Client, 20);

        var summary = await host.SummaryAfterAsync(60);   // all of this fresh host's seconds
        Assert.True(summary.GetProperty("requests").GetInt64() >= 20, summary.ToString());
        // Multiplexed streams cannot be told apart at the socket: they count from the first middleware.
        Assert.Equal("estimated", summary.GetProperty("endToEnd").GetProperty("source").GetString());
        Assert.True(summary.GetProperty("inApp").GetProperty("p50Ms").GetDouble() > 0, summary.ToString());
    }

    [Fact]
    public async Task AHostThatWiresOpenTelemetryItselfGetsLiveDashsSpans()
    {
        var path = "own-otel-" + Guid.NewGuid().ToString("N")[..8];
        var spans = new List<Activity>();
        LiveDashBuilder? livedash = null;
        await using var host = await TestKestrel.StartAsync(
            builder => builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing
                .AddSource(TelemetryActivities.SourceName)
                .AddAspNetCoreInstrumentation()
                .AddInMemoryExporter(spans)),
            app => app.MapGet("/" + path, () => "traced"),
            services => livedash = services.AddLiveDash(o => o.OpenTelemetry = LiveDashOpenTelemetryMode.Off));
        Assert.False(livedash!.ExportsOpenTelemetry);
        (await host.Client.GetAsync(path)).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("livedash")).StatusCode);

        // The server span ends just after the response is sent; the exporter keeps it as it ends.
        Activity? server = null, wait = null;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((server is null || wait is null) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
            Activity[] seen;
            lock (spans) seen = [.. spans];
            server = seen.FirstOrDefault(s => s.Kind == ActivityKind.Server && s.DisplayName == "GET /" + path);
            wait = server is null ? null : seen.FirstOrDefault(s => s.ParentSpanId == server.SpanId && s.DisplayName == TelemetryActivities.WaitingForThreadName);
        }
        Assert.NotNull(server);
        Assert.Equal("all", server.GetTagItem(TelemetryActivities.ModeAttribute));
        Assert.Equal("0", server.GetTagItem(TelemetryActivities.GroupAttribute));
        // On Linux the watcher stamps arrival at the socket: the server span starts there, with the wait as its first child.
        if (OperatingSystem.IsLinux())
        {
            Assert.NotNull(wait);
            Assert.Equal(server.StartTimeUtc, wait.StartTimeUtc);
        }
    }
}
