using LiveDash.Mongo;
using LiveDash.Mongo.Tests;
using LiveDash.Store;
using LiveDash.Store.Mongo;
using Microsoft.Extensions.Logging.Abstractions;

namespace LiveDash.Tests.Store.Mongo;

/// <summary>The library reports a server it cannot reach as MongoConnectionException; the store turns that into a 503.</summary>
public class MongoStoreUnavailableTests
{
    [Fact]
    public async Task AnUnreachableServerIsStoreUnavailableOnEveryPath()
    {
        using var client = MockMongod.ClientOfAClosedPort(out var port);
        var store = new MongoStore(client, new SeedData(users: 1, products: 1, orders: 1), NullLogger<MongoStore>.Instance);
        var sync = Assert.Throws<StoreUnavailableException>(() => store.FindProduct(1, 0));
        Assert.Contains($"127.0.0.1:{port}", sync.Message);
        Assert.IsAssignableFrom<MongoConnectionException>(sync.InnerException);
        var async = await Assert.ThrowsAsync<StoreUnavailableException>(() => store.FeaturedAsync(0, default));
        Assert.Contains($"127.0.0.1:{port}", async.Message);
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.PingAsync(default));
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.EnsureSeededAsync(default));
    }
}
