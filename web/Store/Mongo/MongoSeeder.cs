using System.Diagnostics;
using LiveDash.Mongo;

namespace LiveDash.Store.Mongo;

/// <summary>Seeds the same rows as PostgreSQL, once: a <c>livedash_seed</c> marker records the seed version and sizes.</summary>
sealed class MongoSeeder(MongoClient client, ILogger logger)
{
    const int InsertBatchSize = 1000;
    const string MarkerId = "seed";

    public async Task EnsureSeededAsync(SeedData seed, CancellationToken ct)
    {
        var marker = await client.FindAsync(MongoStore.SeedMarker, new BsonDocument { { "_id", MarkerId } }, new FindOptions(Limit: 1, SingleBatch: true), true, ct);
        if (marker.FirstOrDefault() is { } m && Matches(m, seed)) return;

        var clock = Stopwatch.StartNew();
        logger.LogInformation("Seeding MongoDB: {Users} users, {Products} products, {Orders} orders", seed.Users, seed.Products, seed.Orders);
        // The marker goes first so a seed interrupted half-way is never taken for a complete one.
        foreach (var collection in new[] { MongoStore.SeedMarker, MongoStore.Orders, MongoStore.Products, MongoStore.Users })
            await client.DropAsync(collection, true, ct);
        await client.InsertManyAsync(MongoStore.Users, seed.GenerateUsers().Select(MongoDocuments.UserDocument), InsertBatchSize, true, ct);
        await client.InsertManyAsync(MongoStore.Products, seed.GenerateProducts().Select(MongoDocuments.ProductDocument), InsertBatchSize, true, ct);
        await client.InsertManyAsync(MongoStore.Orders, seed.GenerateOrders().Select(o => MongoDocuments.OrderDocument(o.Order, o.Lines)), InsertBatchSize, true, ct);
        await client.CreateIndexesAsync(MongoStore.Orders, [("orders_user_recent", new BsonDocument { { "userId", 1 }, { "placedAt", -1 }, { "_id", -1 } })], true, ct);
        await client.CreateIndexesAsync(MongoStore.Products, [("products_featured", new BsonDocument { { "stock", -1 }, { "_id", 1 } })], true, ct);
        await client.InsertManyAsync(MongoStore.SeedMarker, [new BsonDocument
        {
            { "_id", MarkerId },
            { "version", SeedData.Version },
            { "users", seed.Users },
            { "products", seed.Products },
            { "orders", seed.Orders },
            { "seededAt", BsonDateTime.From(DateTime.UtcNow) },
        }], 1, true, ct);
        logger.LogInformation("Seeded MongoDB in {Seconds:F1} s", clock.Elapsed.TotalSeconds);
    }

    static bool Matches(BsonDocument marker, SeedData seed) =>
        Number(marker, "version") == SeedData.Version && Number(marker, "users") == seed.Users
        && Number(marker, "products") == seed.Products && Number(marker, "orders") == seed.Orders;

    static long Number(BsonDocument doc, string name) => doc.TryGetValue(name, out var v) && v is int or long ? MongoReply.Long(v, name) : -1;
}

/// <summary>How the seed's rows look as MongoDB documents: orders embed their lines, money is decimal128.</summary>
public static class MongoDocuments
{
    public static BsonDocument UserDocument(SeedUser u) => new() { { "_id", u.Id }, { "name", u.Name }, { "email", u.Email }, { "isActive", u.IsActive } };

    public static BsonDocument ProductDocument(SeedProduct p) => new()
    {
        { "_id", p.Id }, { "name", p.Name }, { "category", p.Category }, { "description", p.Description },
        { "price", Decimal128.FromDecimal(p.Price) }, { "stock", p.Stock },
    };

    public static BsonDocument OrderDocument(SeedOrder o, SeedOrderLine[] lines) => new()
    {
        { "_id", o.Id }, { "userId", o.UserId }, { "placedAt", BsonDateTime.From(o.PlacedAt) }, { "status", o.Status },
        { "lines", new BsonArray(lines.Select(l => (object?)new BsonDocument
            {
                { "lineNo", l.LineNo }, { "productId", l.ProductId }, { "quantity", l.Quantity }, { "unitPrice", Decimal128.FromDecimal(l.UnitPrice) },
            }))
        },
    };
}
