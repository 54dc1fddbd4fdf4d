using LiveDash.Site;
using LiveDash.Store.Mongo;
using MongoDB.Driver;
using Npgsql;

namespace LiveDash.Store;

/// <summary>
/// Section "Database": which backend, its connection (ConnectionStrings:Postgres or LIVEDASH_PG;
/// ConnectionStrings:Mongo), and the seed's size (smaller for tests and quick demos).
/// </summary>
public sealed class DatabaseOptions : IValidatedOptions
{
    public const string Section = "Database";

    /// <summary>PostgreSQL (default) or MongoDB.</summary>
    public string Provider { get; set; } = "PostgreSQL";
    public SeedOptions Seed { get; set; } = new();
    /// <summary>From ConnectionStrings:Postgres, else LIVEDASH_PG.</summary>
    public string? PostgresConnection { get; set; }
    /// <summary>From ConnectionStrings:Mongo.</summary>
    public string? MongoConnection { get; set; }

    public bool IsMongo => Provider.Equals("MongoDB", StringComparison.OrdinalIgnoreCase) || Provider.Equals("Mongo", StringComparison.OrdinalIgnoreCase);
    bool IsPostgres => Provider.Equals("PostgreSQL", StringComparison.OrdinalIgnoreCase) || Provider.Equals("Postgres", StringComparison.OrdinalIgnoreCase);

    public IEnumerable<string> Validate(string section)
    {
        if (!IsPostgres && !IsMongo)
            yield return $"{section}:Provider must be PostgreSQL or MongoDB, got '{ApiProblem.Excerpt(Provider)}'";
        if (IsPostgres && Problem(PostgresConnection, "No PostgreSQL connection string: start the app with ./livedash up, or set LIVEDASH_PG or ConnectionStrings__Postgres",
                text => new NpgsqlConnectionStringBuilder(text)) is { } postgres)
            yield return $"ConnectionStrings:Postgres (or LIVEDASH_PG): {postgres}";
        if (IsMongo && Problem(MongoConnection, "Database:Provider is MongoDB but there is no connection string: set ConnectionStrings__Mongo=mongodb://host:27017/livedash",
                text => MongoConnectionSettings.Parse(text)) is { } mongo)
            yield return $"ConnectionStrings:Mongo: {mongo}";
        foreach (var (name, value, max) in new[] { ("Users", Seed.Users, SeedData.DefaultUsers), ("Products", Seed.Products, SeedData.DefaultProducts), ("Orders", Seed.Orders, SeedData.DefaultOrders) })
            if (value < 1 || value > max) yield return $"{section}:Seed:{name} must be from 1 to {max}, got {value}";
    }

    static string? Problem(string? connection, string missing, Action<string> parse)
    {
        if (string.IsNullOrWhiteSpace(connection)) return missing;
        try { parse(connection); return null; }
        catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException or MongoConfigurationException) { return $"not a usable connection string: {ApiProblem.Excerpt(e.Message, 200)}"; }
    }

    public static void Fallback(DatabaseOptions options, IConfiguration config)
    {
        if (string.IsNullOrEmpty(options.PostgresConnection))
            options.PostgresConnection = config.GetConnectionString("Postgres") is { Length: > 0 } c ? c : config["LIVEDASH_PG"];
        if (string.IsNullOrEmpty(options.MongoConnection)) options.MongoConnection = config.GetConnectionString("Mongo");
    }

    public SeedData SeedRows() => new(Seed.Users, Seed.Products, Seed.Orders);
}

public sealed class SeedOptions
{
    public int Users { get; set; } = SeedData.DefaultUsers;
    public int Products { get; set; } = SeedData.DefaultProducts;
    public int Orders { get; set; } = SeedData.DefaultOrders;
}
