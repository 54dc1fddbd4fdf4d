using Npgsql;

namespace LiveDash.Tests.Store.Mongo;

/// <summary>
/// The app on PostgreSQL (the test cluster, a database of its own) seeded with the same rows as
/// <see cref="MongoAppFactory"/>, so the MongoDB backend's answers can be compared with PostgreSQL's.
/// </summary>
public sealed class PostgresTwin : IAsyncLifetime
{
    readonly string _database = "livedash_twin_" + Guid.NewGuid().ToString("N")[..8];
    readonly NpgsqlConnectionStringBuilder _admin = new(TestHost.PostgresConnection) { Pooling = false };

    public LiveDashApp App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Execute($"CREATE DATABASE {_database}");
        var seed = MongoAppFactory.Seed;
        App = new LiveDashApp
        {
            ExtraSettings = new Dictionary<string, string?>
            {
                ["ConnectionStrings:Postgres"] = new NpgsqlConnectionStringBuilder(TestHost.PostgresConnection) { Database = _database }.ConnectionString,
                ["Database:Seed:Users"] = seed.Users.ToString(), ["Database:Seed:Products"] = seed.Products.ToString(), ["Database:Seed:Orders"] = seed.Orders.ToString(),
                ["LiveDash:DbLatencyMs"] = "0",
            },
        };
        using var client = App.CreateClient();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!(await client.GetAsync("/api/products/1")).IsSuccessStatusCode && DateTime.UtcNow < deadline) await Task.Delay(250);
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await Execute($"DROP DATABASE IF EXISTS {_database} WITH (FORCE)");
    }

    async Task Execute(string sql)
    {
        await using var connection = new NpgsqlConnection(_admin.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
