using LiveDash.Admin;
using LiveDash.Site;
using LiveDash.Store.Mongo;
using LiveDash.Store.Postgres;
using LiveDash.Store.Workers;
using Microsoft.Extensions.Options;
using Npgsql;

namespace LiveDash.Store;

public static class StoreExtensions
{
    public static void AddStore(this WebApplicationBuilder builder)
    {
        var database = builder.AddValidatedOptions<DatabaseOptions>(DatabaseOptions.Section, DatabaseOptions.Fallback);
        if (database.IsMongo) builder.AddMongoStore(database);
        else builder.AddPostgresStore(database);

        builder.Services.AddSingleton(database.SeedRows());
        builder.Services.AddSingleton(sp => new RuntimeSettings(sp.GetRequiredService<IOptions<StoreOptions>>().Value.InitialSettings));
        builder.Services.AddSingleton<StoreService>();
        builder.Services.AddSingleton<StoreAdmission>();
        builder.Services.AddSingleton<StoreHealth>();
        builder.Services.AddExceptionHandler<StoreUnavailableHandler>();
        builder.Services.AddSingleton<StoreSeeding>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<StoreSeeding>());
        builder.Services.AddStoreWorkers();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.TryAddRoundTripObserver();
    }

    static void TryAddRoundTripObserver(this IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(IDbRoundTripObserver)))
            services.AddSingleton<IDbRoundTripObserver, NoRoundTripObserver>();
    }

    static void AddPostgresStore(this WebApplicationBuilder builder, DatabaseOptions database)
    {
        var connectionString = PostgresConnection.Build(database.PostgresConnection!);
        builder.Services.AddSingleton(_ => new NpgsqlDataSourceBuilder(connectionString).Build());
        builder.Services.AddSingleton(_ => new PostgresProbe(connectionString));
        builder.Services.AddSingleton<IStoreBackend, PostgresStore>();
    }

    /// <summary>Seeds before the app listens; if the database is unreachable, the app starts anyway and seeds when it answers.</summary>
    public static async Task SeedStoreAsync(this IServiceProvider services, CancellationToken ct) =>
        await services.GetRequiredService<StoreSeeding>().TrySeedAsync(ct);
}
