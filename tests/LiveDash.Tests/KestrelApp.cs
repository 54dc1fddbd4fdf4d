using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LiveDash.Tests;

/// <summary>
/// The app on a real Kestrel port (WebSockets and a real browser need one), on the test database that
/// ./livedash test provides. Shared with the browser tests, which compile this file too.
/// </summary>
public sealed class KestrelApp : WebApplicationFactory<Program>
{
    public const string AdminPassword = "kestrel-tests-secret";
    readonly string _stateDir = Directory.CreateTempSubdirectory("livedash-kestrel-tests-").FullName;

    public KestrelApp() => UseKestrel(0);

    /// <summary>Everything the app logged.</summary>
    public TestLogs Logs { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        TestHost.Isolate(builder, _stateDir, AdminPassword, new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Information" });
        builder.UseSetting("urls", "http://127.0.0.1:0");
        builder.ConfigureLogging(logging => logging.AddProvider(Logs));
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

    public HttpClient Http(bool admin = false)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (admin)
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:" + AdminPassword)));
        return client;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        try { Directory.Delete(_stateDir, recursive: true); } catch (IOException) { }
    }
}
