using LiveDash.Mongo;

namespace LiveDash.Store.Mongo;

public static class MongoExtensions
{
    /// <summary>ConnectionStrings:Mongo (e.g. mongodb://user:pass@127.0.0.1:27017/livedash?authSource=admin), checked by <see cref="DatabaseOptions"/>.</summary>
    public static void AddMongoStore(this WebApplicationBuilder builder, DatabaseOptions database)
    {
        // Sized like the PostgreSQL pool: the pool, not the thread pool, must never be the limit at concurrency 200.
        var url = MongoUrl.Parse(database.MongoConnection!, defaultMaxPoolSize: 250);
        builder.Services.AddSingleton(_ => new MongoClient(url));
        builder.Services.AddSingleton<IStoreBackend, MongoStore>();
    }
}
