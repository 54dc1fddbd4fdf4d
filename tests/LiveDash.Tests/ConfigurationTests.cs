using Microsoft.Extensions.DependencyInjection;
using LiveDash.Tests.Telemetry;
using Npgsql;
using LiveDash.Tests.Shared;

namespace LiveDash.Tests;

/// <summary>Settings are read through validated options: bad ones stop the app at start, naming the key.</summary>
public class ConfigurationTests
{
    [Theory]
    [InlineData("LiveDash:DbLatencyMs", "-3", "LiveDash:DbLatencyMs")]
    [InlineData("LiveDash:DbLatncyMs", "5", "DbLatncyMs")]
    [InlineData("LiveDash:Mode", "Sync,Async", "LiveDash:Mode")]
    [InlineData("LiveDash:MinThreads", "lots", "LiveDash:MinThreads")]
    [InlineData("Telemetry:Enabled", "maybe", "Telemetry:Enabled")]
    [InlineData("Telemetry:MeasureThreadTme", "false", "MeasureThreadTme")]
    [InlineData("Telemetry:ThreadTimeRoutes", "0", "Telemetry:ThreadTimeRoutes")]
    [InlineData("Telemetry:HubPath", "/elsewhere", "Telemetry:HubPath")]
    [InlineData("Database:Provider", "Oracle", "Database:Provider")]
    [InlineData("Database:Seed:Users", "0", "Database:Seed:Users")]
    [InlineData("OpenTelemetry:DashboardUrl", "127.0.0.1:18888", "OpenTelemetry:DashboardUrl")]
    public async Task BadConfigurationStopsTheAppWithAMessageNamingTheKey(string key, string value, string named)
    {
        await using var app = new LiveDashApp { ExtraSettings = new Dictionary<string, string?> { [key] = value } };
        var error = Assert.ThrowsAny<Exception>(() => app.CreateClient());
        var messages = string.Join(" | ", Chain(error).Select(e => e.Message));
        Assert.Contains(named, messages);
    }

    [Fact]
    public async Task SectionTelemetryIsTheLibrarysOwnOptions()
    {
        await using var app = new LiveDashApp
        {
            ExtraSettings = new Dictionary<string, string?>
            {
                ["Telemetry:MeasureArrival"] = "false", ["Telemetry:MeasureThreadTime"] = "false", ["Telemetry:ThreadTimeRoutes"] = "3",
            },
        };
        app.CreateClient();
        var options = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<LiveDash.AspNetCore.LiveDashOptions>>().Value;
        Assert.False(options.MeasureArrival);
        Assert.False(options.MeasureThreadTime);
        Assert.Equal(3, options.ThreadTimeRoutes);
        Assert.True(options.Enabled);
        // The store's own settings stay: its hub, and the paths it does not measure.
        Assert.Equal(LiveDash.Telemetry.TelemetryExtensions.HubPath, options.HubPath);
        Assert.Contains("/hubs", options.UnmeasuredPaths);
    }

    [Fact]
    public async Task TheRealProcessEndsWithTheMessageAloneAndExitCode2()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            AppProcess.StartAsync("pw", new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token, ("LiveDash__DbLatencyMs", "-3")));
        Assert.Contains("exited with 2", error.Message);
        Assert.Contains("error: bad configuration: LiveDash:DbLatencyMs", error.Message);
        Assert.DoesNotContain("   at ", error.Message);
    }

    [Fact]
    public async Task PostgreSqlSeedsTheConfiguredSizeAsMongoDbDoes()
    {
        var database = "livedash_seedsize_" + Guid.NewGuid().ToString("N")[..8];
        var admin = new NpgsqlConnectionStringBuilder(TestHost.PostgresConnection) { Pooling = false };
        await Execute(admin.ConnectionString, $"CREATE DATABASE {database}");
        try
        {
            var target = new NpgsqlConnectionStringBuilder(TestHost.PostgresConnection) { Database = database, Pooling = false };
            await using (var app = new LiveDashApp
            {
                ExtraSettings = new Dictionary<string, string?>
                {
                    ["ConnectionStrings:Postgres"] = target.ConnectionString,
                    ["Database:Seed:Users"] = "40", ["Database:Seed:Products"] = "30", ["Database:Seed:Orders"] = "200",
                },
            })
            {
                var client = app.CreateClient();
                var deadline = DateTime.UtcNow.AddSeconds(60);
                while (!(await client.GetAsync("/api/products/1")).IsSuccessStatusCode && DateTime.UtcNow < deadline) await Task.Delay(250);
                await using var connection = new NpgsqlConnection(target.ConnectionString);
                await connection.OpenAsync();
                await using var count = new NpgsqlCommand("SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM products), (SELECT count(*) FROM orders)", connection);
                await using var reader = await count.ExecuteReaderAsync();
                Assert.True(await reader.ReadAsync());
                Assert.Equal((40L, 30L, 200L), (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2)));
            }
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await Execute(admin.ConnectionString, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
        }
    }

    static IEnumerable<Exception> Chain(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            yield return x;
            if (x is AggregateException aggregate) foreach (var inner in aggregate.InnerExceptions) yield return inner;
        }
    }

    static async Task Execute(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
