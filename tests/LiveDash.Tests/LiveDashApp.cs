using LiveDash.Admin;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LiveDash.Tests;

/// <summary>
/// The app on the real PostgreSQL cluster that ./livedash test starts (LIVEDASH_TEST_PG).
/// One instance per test collection; tests that change settings put them back.
/// </summary>
public class LiveDashApp : WebApplicationFactory<Program>
{
    public const string AdminPassword = "test-admin-password";
    readonly string _stateDir = Directory.CreateTempSubdirectory("livedash-test-").FullName;

    /// <summary>Settings on top of the test ones (e.g. another database).</summary>
    public IReadOnlyDictionary<string, string?> ExtraSettings { get; init; } = new Dictionary<string, string?>();

    /// <summary>Everything the app logged (its own categories from Information up, the rest from Warning up).</summary>
    public TestLogs Logs { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        var settings = new Dictionary<string, string?> { ["LiveDash:DbLatencyMs"] = "1", ["Logging:LogLevel:LiveDash"] = "Information" };
        foreach (var (key, value) in ExtraSettings) settings[key] = value;
        TestHost.Isolate(builder, _stateDir, AdminPassword, settings);
        builder.ConfigureLogging(logging => logging.AddProvider(Logs));
    }

    public RuntimeSettings Settings => Services.GetRequiredService<RuntimeSettings>();

    public HttpClient AdminClient()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Basic", Convert.ToBase64String("admin:"u8.ToArray().Concat(System.Text.Encoding.UTF8.GetBytes(AdminPassword)).ToArray()));
        return client;
    }

    /// <summary>Runs <paramref name="body"/> in a mode, then restores the settings.</summary>
    public async Task InMode(StoreMode mode, Func<Task> body, int dbLatencyMs = 1)
    {
        var before = Settings.Current;
        Settings.Apply(new SettingsUpdate(mode, dbLatencyMs), "test");
        try { await body(); }
        finally { Settings.Apply(new SettingsUpdate(before.Mode, before.DbLatencyMs), "test"); }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        try { Directory.Delete(_stateDir, recursive: true); } catch (IOException) { }
    }
}

[CollectionDefinition(Name)]
public class StoreCollection : ICollectionFixture<LiveDashApp>
{
    public const string Name = "store";
}
