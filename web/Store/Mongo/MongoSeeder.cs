using System.Diagnostics;
using MongoDB.Bson;
using MongoDB.Driver;

namespace LiveDash.Store.Mongo;

/// <summary>Seeds the same rows as PostgreSQL, once: a <c>livedash_seed</c> marker records the seed version and sizes.</summary>
sealed class MongoSeeder(IMongoDatabase db, ILogger logger)
{
    const int InsertBatchSize = 1000;
    const string MarkerId = "seed";

    public async Task EnsureSeededAsync(SeedData seed, CancellationToken ct)
    {
        var markers = db.GetCollection<BsonDocument>(MongoStore.SeedMarker);
        var marker = await markers.Find(new BsonDocument("_id", MarkerId)).Limit(1).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        if (marker is not null && Matches(marker, seed)) return;

        var clock = Stopwatch.StartNew();
        logger.LogInformation("Seeding MongoDB: {Users} users, {Products} products, {Orders} orders", seed.Users, seed.Products, seed.Orders);
        // The marker goes first so a seed interrupted half-way is never taken for a complete one.
        foreach (var collection in new[] { MongoStore.SeedMarker, MongoStore.Orders, MongoStore.Products, MongoStore.Users })
            await db.DropCollectionAsync(collection, ct).ConfigureAwait(false);
        await InsertAsync(MongoStore.Users, seed.GenerateUsers().Select(MongoDocuments.UserDocument), ct).ConfigureAwait(false);
        await InsertAsync(MongoStore.Products, seed.GenerateProducts().Select(MongoDocuments.ProductDocument), ct).ConfigureAwait(false);
        await InsertAsync(MongoStore.Orders, seed.GenerateOrders().Select(o => MongoDocuments.OrderDocument(o.Order, o.Lines)), ct).ConfigureAwait(false);
        await Index(MongoStore.Orders, "orders_user_recent", new BsonDocument { { "userId", 1 }, { "placedAt", -1 }, { "_id", -1 } }, ct).ConfigureAwait(false);
        await Index(MongoStore.Products, "products_featured", new BsonDocument { { "stock", -1 }, { "_id", 1 } }, ct).ConfigureAwait(false);
        await markers.InsertOneAsync(new BsonDocument
        {
            { "_id", MarkerId },
            { "version", SeedData.Version },
            { "users", seed.Users },
            { "products", seed.Products },
            { "orders", seed.Orders },
            { "seededAt", new BsonDateTime(DateTime.UtcNow) },
        }, cancellationToken: ct).ConfigureAwait(false);
        logger.LogInformation("Seeded MongoDB in {Seconds:F1} s", clock.Elapsed.TotalSeconds);
    }

    async Task InsertAsync(string collection, IEnumerable<BsonDocument> documents, CancellationToken ct)
    {
        var target = db.GetCollection<BsonDocument>(collection);
        foreach (var batch in documents.Chunk(InsertBatchSize))
            await target.InsertManyAsync(batch, new InsertManyOptions { IsOrdered = true }, ct).ConfigureAwait(false);
    }

    Task Index(string collection, string name, BsonDocument keys, CancellationToken ct) =>
        db.GetCollection<BsonDocument>(collection).Indexes.CreateManyAsync([new CreateIndexModel<BsonDocument>(keys, new CreateIndexOptions { Name = name })], ct);

    static bool Matches(BsonDocument marker, SeedData seed) =>
        Number(marker, "version") == SeedData.Version && Number(marker, "users") == seed.Users
        && Number(marker, "products") == seed.Products && Number(marker, "orders") == seed.Orders;

    static long Number(BsonDocument doc, string name) => doc.TryGetValue(name, out var v) && v.IsNumeric ? v.ToInt64() : -1;
}

/// <summary>How the seed's rows look as MongoDB documents: orders embed their lines, money is decimal128.</summary>
public static class MongoDocuments
{
    public static BsonDocument UserDocument(SeedUser u) => new() { { "_id", u.Id }, { "name", u.Name }, { "email", u.Email }, { "isActive", u.IsActive } };

    public static BsonDocument ProductDocument(SeedProduct p) => new()
    {
        { "_id", p.Id }, { "name", p.Name }, { "category", p.Category }, { "description", p.Description },
        { "price", new BsonDecimal128(p.Price) }, { "stock", p.Stock },
    };

    public static BsonDocument OrderDocument(SeedOrder o, SeedOrderLine[] lines) => new()
    {
        { "_id", o.Id }, { "userId", o.UserId }, { "placedAt", new BsonDateTime(o.PlacedAt) }, { "status", o.Status },
        { "lines", new BsonArray(lines.Select(l => new BsonDocument
            {
                { "lineNo", l.LineNo }, { "productId", l.ProductId }, { "quantity", l.Quantity }, { "unitPrice", new BsonDecimal128(l.UnitPrice) },
            }))
        },
    };
}
