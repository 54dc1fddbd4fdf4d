using LiveDash.Mongo;

namespace LiveDash.Store.Mongo;

public static class MongoExtensions
{
    /// <summary>
    /// ConnectionStrings:Mongo (e.g. mongodb://user:pass@127.0.0.1:27017/livedash?authSource=admin).
    /// Database:Seed:Users|Products|Orders shrink the seed (tests, quick demos); the defaults match PostgreSQL's.
    /// </summary>
    public static void AddMongoStore(this WebApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString("Mongo")
            ?? throw new InvalidOperationException("Database:Provider is MongoDB but there is no connection string: set ConnectionStrings__Mongo=mongodb://host:27017/livedash.");
        MongoUrl url;
        try
        {
            // Sized like the PostgreSQL pool: the pool, not the thread pool, must never be the limit at concurrency 200.
            url = MongoUrl.Parse(connectionString, defaultMaxPoolSize: 250);
        }
        catch (FormatException e)
        {
            throw new InvalidOperationException($"ConnectionStrings:Mongo is not usable: {e.Message}", e);
        }
        var seed = builder.Configuration.GetSection("Database:Seed");
        builder.Services.AddSingleton(new SeedData(seed.GetValue("Users", SeedData.DefaultUsers), seed.GetValue("Products", SeedData.DefaultProducts), seed.GetValue("Orders", SeedData.DefaultOrders)));
        builder.Services.AddSingleton(_ => new MongoClient(url));
        builder.Services.AddSingleton<IStoreBackend, MongoStore>();
    }
}
