using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using LiveDash.Store;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LiveDash.Tests.Store.Mongo;

/// <summary>
/// The app with Database:Provider=MongoDB: the official driver, over real sockets, against mock_mongod.py
/// (a MockupDB stand-in), which holds what the app seeded into it. Needs no PostgreSQL.
/// </summary>
public class MongoAppFactory : WebApplicationFactory<Program>
{
    public const string AdminPassword = "mongo-test-admin";
    public static readonly SeedData Seed = new(users: 60, products: 80, orders: 400);
    readonly string _stateDir = Directory.CreateTempSubdirectory("livedash-mongo-").FullName;

    public MongoAppFactory() => Mock = new MockMongod(stateFile: StateFile);

    public MockMongod Mock { get; private set; }

    /// <summary>Where the mock keeps its collections across a restart (an outage).</summary>
    string StateFile => Path.Combine(_stateDir, "mock-state.bson");

    /// <summary>Connection string options for the app, on top of the database name.</summary>
    protected virtual string ConnectionOptions => "maxPoolSize=20&appName=LiveDashE2E";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        TestHost.Isolate(builder, _stateDir, AdminPassword, new Dictionary<string, string?>
        {
            ["Database:Provider"] = "MongoDB",
            ["ConnectionStrings:Mongo"] = Mock.ConnectionString(ConnectionOptions),
            ["Database:Seed:Users"] = Seed.Users.ToString(),
            ["Database:Seed:Products"] = Seed.Products.ToString(),
            ["Database:Seed:Orders"] = Seed.Orders.ToString(),
            ["LiveDash:DbLatencyMs"] = "0",
        });
    }

    /// <summary>Stops the mock (its listener closes and its connections drop): the database goes away.</summary>
    public void StopMock() => Mock.Dispose();

    /// <summary>Starts the mock again on the same port with the same collections.</summary>
    public void StartMock() => Mock = new MockMongod(Mock.Port, StateFile);

    public HttpClient Admin()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:" + AdminPassword)));
        return client;
    }

    public async Task SetAsync(string mode, int latencyMs, int? workers = null)
    {
        using var admin = Admin();
        var response = await admin.PutAsJsonAsync("/admin/api/settings", workers is null ? (object)new { mode, dbLatencyMs = latencyMs } : new { mode, dbLatencyMs = latencyMs, workers });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Mock.Dispose();
            try { Directory.Delete(_stateDir, recursive: true); } catch (IOException) { }
        }
    }
}

/// <summary>The MongoDB app on a real Kestrel port, for the tests that time requests as a browser would send them.</summary>
public sealed class MongoKestrelApp : MongoAppFactory
{
    public MongoKestrelApp() => UseKestrel(0);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("urls", "http://127.0.0.1:0");
    }

    public HttpClient Http()
    {
        StartServer();
        var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) };
    }
}
