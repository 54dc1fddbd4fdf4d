using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LiveDash.BrowserTests;

/// <summary>The app on a real Kestrel port for a real browser, on the test database that ./livedash test provides.</summary>
public sealed class BrowserApp : WebApplicationFactory<Program>
{
    public const string AdminPassword = "browser-tests-secret";
    readonly string _stateDir = Directory.CreateTempSubdirectory("livedash-browser-tests-").FullName;

    public BrowserApp() => UseKestrel(0);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("LiveDash:AdminPassword", AdminPassword);
        builder.UseSetting("LiveDash:StateDir", _stateDir);
        builder.UseSetting("urls", "http://127.0.0.1:0");
    }

    public Uri BaseAddress
    {
        get
        {
            StartServer();
            var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new Uri(address.Replace("[::]", "127.0.0.1").Replace("localhost", "127.0.0.1"));
        }
    }

    public string ContentRoot => Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostEnvironment>().ContentRootPath;

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        try { Directory.Delete(_stateDir, recursive: true); } catch (IOException) { }
    }
}
