using LiveDash.Store;
using LiveDash.Telemetry;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LiveDash.Tests.Telemetry;

public class TelemetryDisabledTests
{
    sealed class DisabledApp : WebApplicationFactory<Program>
    {
        readonly string _stateDir = Directory.CreateTempSubdirectory("livedash-telemetry-off-").FullName;

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            TestHost.Isolate(builder, _stateDir, KestrelApp.AdminPassword, new Dictionary<string, string?> { ["Telemetry:Enabled"] = "false" });
        }
    }

    [Fact]
    public async Task SwitchedOffItRecordsNothing()
    {
        await using var app = new DisabledApp();
        using var http = app.CreateClient();

        (await http.GetAsync("/api/ping")).EnsureSuccessStatusCode();
        (await http.GetAsync("/api/orders?user=1")).EnsureSuccessStatusCode();

        var feed = app.Services.GetRequiredService<LiveDashFeed>();
        Assert.IsNotType<TimelineRoundTripObserver>(app.Services.GetRequiredService<IDbRoundTripObserver>());
        Assert.Null(feed.Latest);
        Assert.Equal(0, feed.Summarize(LiveDashFeed.MaxSummarySeconds).Requests);
    }
}
