using MongoDB.Driver;

namespace LiveDash.Store.Mongo;

public static class MongoExtensions
{
    /// <summary>ConnectionStrings:Mongo (e.g. mongodb://user:pass@127.0.0.1:27017/livedash?authSource=admin), checked by <see cref="DatabaseOptions"/>.</summary>
    public static void AddMongoStore(this WebApplicationBuilder builder, DatabaseOptions database)
    {
        var connection = MongoConnectionSettings.Parse(database.MongoConnection!);
        builder.Services.AddSingleton(connection);
        builder.Services.AddSingleton<MongoPoolMonitor>();
        builder.Services.AddSingleton<MongoGauges>();
        builder.Services.AddSingleton<LiveDash.AspNetCore.ILiveDashGauges>(services => services.GetRequiredService<MongoGauges>());
        builder.Services.AddSingleton<IMongoClient>(services =>
            new MongoClient(connection.ClientSettings(services.GetRequiredService<MongoPoolMonitor>().Subscribe)));
        builder.Services.AddSingleton<IStoreBackend, MongoStore>();
    }
}
