using System.Diagnostics;
using System.Net;
using LiveDash.Store;
using LiveDash.Store.Mongo;
using Microsoft.Extensions.Logging.Abstractions;
using MongoDB.Driver;

namespace LiveDash.Tests.Store.Mongo;

/// <summary>The MongoDB server goes away under a running app: 503 within 5 s on every path, then recovery without a restart.</summary>
public sealed class MongoOutageTests(MongoAppFactory app) : IClassFixture<MongoAppFactory>
{
    [Theory]
    [InlineData("Sync")]
    [InlineData("Async")]
    [InlineData("SyncOverAsync")]
    public async Task AnOutageAnswers503WithinFiveSecondsAndTheAppRecovers(string mode)
    {
        await app.SetAsync(mode, 0);
        using var client = app.CreateClient();
        var user = MongoAppFactory.Seed.GenerateUsers().First(u => u.IsActive).Id;
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/orders?user={user}")).StatusCode);

        app.StopMock();
        try
        {
            foreach (var path in new[] { $"/api/orders?user={user}", $"/orders?user={user}", "/api/products?search=x", "/api/health" })
            {
                var clock = Stopwatch.StartNew();
                var response = await client.GetAsync(path);
                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"{path} took {clock.Elapsed.TotalSeconds:F1} s to answer 503");
                Assert.Contains("unavailable", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
            }
        }
        finally { app.StartMock(); }

        var back = Stopwatch.StartNew();
        HttpStatusCode status;
        do
        {
            status = (await client.GetAsync($"/api/orders?user={user}")).StatusCode;
            if (status == HttpStatusCode.OK) break;
            await Task.Delay(200);
        } while (back.Elapsed < TimeSpan.FromSeconds(20));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/orders?user={user}")).StatusCode);
    }

    [Fact]
    public async Task AnUnreachableServerIsStoreUnavailableOnEveryPath()
    {
        int port;
        using (var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        var connection = MongoConnectionSettings.Parse($"mongodb://127.0.0.1:{port}/x?serverSelectionTimeoutMS=1000");
        using var client = new MongoClient(connection.ClientSettings(_ => { }));
        var store = new MongoStore(client, connection, new MongoPoolMonitor(connection), new SeedData(users: 1, products: 1, orders: 1), NullLogger<MongoStore>.Instance);
        var sync = Assert.Throws<StoreUnavailableException>(() => store.FindProduct(1, 0));
        Assert.IsType<TimeoutException>(sync.InnerException);
        Assert.Contains($"127.0.0.1:{port}", sync.Message);
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.FeaturedAsync(0, default));
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.PingAsync(default));
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.EnsureSeededAsync(default));
    }

    [Fact]
    public void UnsetTimeoutsGetLiveDashsDefaultsAndSetOnesAreKept()
    {
        var defaults = MongoConnectionSettings.Parse("mongodb://db.example:27017");
        Assert.Equal((3000, 2000, 3000, 250, 16, "livedash"), ((int)defaults.ServerSelectionTimeout.TotalMilliseconds, (int)defaults.ConnectTimeout.TotalMilliseconds,
            (int)defaults.WaitQueueTimeout.TotalMilliseconds, defaults.MaxPoolSize, defaults.MinPoolSize, defaults.Database));
        var set = MongoConnectionSettings.Parse("mongodb://a:1,b:2/shop?replicaSet=rs0&serverSelectionTimeoutMS=9000&connectTimeoutMS=800&waitQueueTimeoutMS=700&maxPoolSize=8&tls=true&compressors=zstd");
        Assert.Equal((9000, 800, 700, 8, 8, "shop"), ((int)set.ServerSelectionTimeout.TotalMilliseconds, (int)set.ConnectTimeout.TotalMilliseconds,
            (int)set.WaitQueueTimeout.TotalMilliseconds, set.MaxPoolSize, set.MinPoolSize, set.Database));
        var settings = set.ClientSettings(_ => { });
        Assert.True(settings.UseTls);
        Assert.Equal("rs0", settings.ReplicaSetName);
        Assert.Throws<MongoConfigurationException>(() => MongoConnectionSettings.Parse("mongodb://h/db?notAnOption=1&w=banana&tls=maybe"));
    }
}
