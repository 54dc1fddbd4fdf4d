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
            builder.UseSetting("Telemetry:Enabled", "false");
            builder.UseSetting("LiveDash:AdminPassword", KestrelApp.AdminPassword);
            builder.UseSetting("LiveDash:StateDir", _stateDir);
            builder.UseSetting("LiveDash:Farm", "test-" + Guid.NewGuid().ToString("N"));
        }
    }

    [Fact]
    public async Task SwitchedOffItRecordsNothing()
    {
        await using var app = new DisabledApp();
        using var http = app.CreateClient();

        (await http.GetAsync("/api/ping")).EnsureSuccessStatusCode();
        (await http.GetAsync("/api/orders?user=1")).EnsureSuccessStatusCode();

        Assert.Equal(0, app.Services.GetRequiredService<TelemetryRecorder>().Total);
        Assert.IsNotType<TimelineRoundTripObserver>(app.Services.GetRequiredService<IDbRoundTripObserver>());
        Assert.Null(app.Services.GetRequiredService<TickBroadcaster>().Latest);
    }
}
