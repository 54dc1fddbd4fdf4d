using System.Net;
using Npgsql;

namespace LiveDash.Tests.Store.Postgres;

/// <summary>
/// No connection storm: the app opens its pool's minimum at start-up, before it serves, and keeps it, so a burst of
/// concurrent requests finds its connections open and PostgreSQL forks no backend for it. Counted in PostgreSQL's
/// own pg_stat_activity, by an application name only this app uses.
/// </summary>
public class PoolWarmTests
{
    const int Warm = 12;

    [Fact]
    public async Task TheAppWarmsItsPoolAtStartUpAndABurstOpensNoNewBackend()
    {
        var name = "warm-" + Guid.NewGuid().ToString("N")[..12];
        var conn = new NpgsqlConnectionStringBuilder(TestHost.PostgresConnection) { MinPoolSize = Warm, MaxPoolSize = 40, ApplicationName = name };
        await using var app = new LiveDashApp
        {
            ExtraSettings = new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = conn.ConnectionString, ["LiveDash:DbLatencyMs"] = "300", ["Logging:LogLevel:Default"] = "Information" },
        };
        var client = app.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/ping")).StatusCode);

        await using var watcher = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(TestHost.PostgresConnection) { Pooling = false }.ConnectionString);
        var (open, started) = await Backends(watcher, name);
        Assert.True(open >= Warm, $"{open} of the app's backends were open after start-up; it should have warmed {Warm}");
        Assert.Contains(app.Logs.Since(DateTimeOffset.MinValue), l => l.Message.StartsWith($"PostgreSQL pool warmed: {Warm} connections", StringComparison.Ordinal));

        // Twelve requests at once, each holding a connection for 300 ms inside PostgreSQL: the warm ones serve them.
        var burst = await Task.WhenAll(Enumerable.Range(0, Warm).Select(i => client.GetAsync($"/api/products/{i % 5 + 1}")));
        Assert.All(burst, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var (after, newest) = await Backends(watcher, name);
        Assert.True(after <= open, $"the burst opened backends: {open} before, {after} after");
        Assert.Equal(started, newest);
    }

    /// <summary>How many backends carry the app's name, and when the youngest of them started.</summary>
    static async Task<(int Count, DateTime Youngest)> Backends(NpgsqlDataSource watcher, string name)
    {
        await using var cmd = watcher.CreateCommand("SELECT count(*)::int, max(backend_start) FROM pg_stat_activity WHERE application_name = $1");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        await using var reader = await cmd.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt32(0), reader.GetFieldValue<DateTime>(1));
    }
}
