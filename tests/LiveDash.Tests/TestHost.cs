using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;

namespace LiveDash.Tests;

/// <summary>
/// What every test factory gives the app: all the settings it depends on, and nothing from the caller's
/// environment (a user's LIVEDASH_ADMIN_PASSWORD, LIVEDASH_PG, LiveDash__*, Database__*, ConnectionStrings__*
/// or ASPNETCORE_* must not change what the tests see). Shared with the browser tests, which compile this file too.
/// </summary>
public static class TestHost
{
    /// <summary>The test database; ./livedash test sets it under this test-only name so a user's connection never leaks in.</summary>
    public const string DatabaseVariable = "LIVEDASH_TEST_PG";

    public static string PostgresConnection =>
        Environment.GetEnvironmentVariable(DatabaseVariable) is { Length: > 0 } connection ? connection
            : throw new InvalidOperationException($"The tests need PostgreSQL: run them with ./livedash test (it starts a private cluster and sets {DatabaseVariable}).");

    /// <summary>Sets every setting the app reads (<paramref name="overrides"/> win) and drops the environment-variable sources.</summary>
    public static void Isolate(IWebHostBuilder builder, string stateDir, string adminPassword, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Database:Provider"] = "PostgreSQL",
            ["LiveDash:AdminPassword"] = adminPassword,
            ["LiveDash:StateDir"] = stateDir,
            ["LiveDash:Mode"] = "Async",
            ["LiveDash:DbLatencyMs"] = "25",
            ["LiveDash:MinThreads"] = "0",
            ["Telemetry:Enabled"] = "true",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>()) settings[key] = value;
        if (!settings.ContainsKey("ConnectionStrings:Postgres") && settings["Database:Provider"] == "PostgreSQL")
            settings["ConnectionStrings:Postgres"] = PostgresConnection;
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in settings) builder.UseSetting(key, value);
        DropEnvironment(builder);
    }

    /// <summary>Settings read after start-up (the admin password, the runtime settings) must not see the caller's variables either.</summary>
    public static void DropEnvironment(IWebHostBuilder builder) => builder.ConfigureAppConfiguration((_, config) =>
    {
        foreach (var source in config.Sources.OfType<EnvironmentVariablesConfigurationSource>().ToList()) config.Sources.Remove(source);
    });
}
