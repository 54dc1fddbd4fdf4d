using LiveDash.Admin;
using LiveDash.Store.Mongo;
using LiveDash.Store.Postgres;
using LiveDash.Store.Workers;
using Npgsql;

namespace LiveDash.Store;

public class DatabaseOptions
{
    /// <summary>PostgreSQL (default) or MongoDB.</summary>
    public string Provider { get; set; } = "PostgreSQL";
}

public static class StoreExtensions
{
    public static void AddStore(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<DatabaseOptions>().BindConfiguration("Database");
        var provider = builder.Configuration["Database:Provider"] ?? "PostgreSQL";
        if (provider.Equals("PostgreSQL", StringComparison.OrdinalIgnoreCase) || provider.Equals("Postgres", StringComparison.OrdinalIgnoreCase))
            builder.AddPostgresStore();
        else if (provider.Equals("MongoDB", StringComparison.OrdinalIgnoreCase) || provider.Equals("Mongo", StringComparison.OrdinalIgnoreCase))
            builder.AddMongoStore();
        else
            throw new InvalidOperationException($"Database:Provider '{provider}' is not supported; use PostgreSQL or MongoDB.");

        builder.Services.AddSingleton(sp => new RuntimeSettings(InitialSettings(builder.Configuration)));
        builder.Services.AddSingleton<StoreService>();
        builder.Services.AddStoreWorkers();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.TryAddRoundTripObserver();
    }

    static void TryAddRoundTripObserver(this IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(IDbRoundTripObserver)))
            services.AddSingleton<IDbRoundTripObserver, NoRoundTripObserver>();
    }

    static SettingsSnapshot InitialSettings(IConfiguration config)
    {
        var mode = Enum.TryParse<StoreMode>(config["LiveDash:Mode"], ignoreCase: true, out var m) ? m : StoreMode.Async;
        return new SettingsSnapshot(mode, config.GetValue("LiveDash:DbLatencyMs", 25), config.GetValue("LiveDash:MinThreads", 0),
            config.GetValue("LiveDash:Workers", 0));
    }

    static void AddPostgresStore(this WebApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString("Postgres")
            ?? Environment.GetEnvironmentVariable("LIVEDASH_PG")
            ?? throw new InvalidOperationException(
                "No PostgreSQL connection string: start the app with ./livedash up, or set LIVEDASH_PG or ConnectionStrings__Postgres.");
        var csb = new NpgsqlConnectionStringBuilder(connectionString);
        // Sized so the pool, not the thread pool, is never the limit at concurrency 200 (see DEPENDENCIES.md).
        if (!connectionString.Contains("Maximum Pool Size", StringComparison.OrdinalIgnoreCase) && !connectionString.Contains("MaxPoolSize", StringComparison.OrdinalIgnoreCase))
            csb.MaxPoolSize = 250;
        if (!connectionString.Contains("Timeout", StringComparison.OrdinalIgnoreCase)) csb.Timeout = 3;
        csb.CommandTimeout = Math.Max(csb.CommandTimeout, 30);
        csb.MaxAutoPrepare = 20;
        // We never change session state, so the per-connection reset on return to the pool is pure cost.
        csb.NoResetOnClose = true;
        // The store's statements are simple keyed lookups: plan them once per connection, not on every bind.
        if (string.IsNullOrEmpty(csb.Options)) csb.Options = "-c plan_cache_mode=force_generic_plan";
        csb.ApplicationName ??= "LiveDash";
        builder.Services.AddSingleton(_ => new NpgsqlDataSourceBuilder(csb.ConnectionString).Build());
        builder.Services.AddSingleton<IStoreBackend, PostgresStore>();
    }

    public static async Task SeedStoreAsync(this IServiceProvider services, CancellationToken ct)
    {
        var backend = services.GetRequiredService<IStoreBackend>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("LiveDash.Store");
        try
        {
            await backend.EnsureSeededAsync(ct);
        }
        catch (Exception e) when (e is StoreUnavailableException or Npgsql.NpgsqlException)
        {
            // Start anyway: pages answer 503 until the database is reachable, then recover by themselves.
            logger.LogError("The {Backend} database is not reachable at start-up, so it was not seeded: {Message}", backend.Name, e.Message);
        }
    }

    public static void UseStoreUnavailableAnswers(this WebApplication app) => app.UseMiddleware<StoreUnavailableMiddleware>();
}
