using LiveDash.Admin;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LiveDash.Tests;

/// <summary>
/// The app on the real PostgreSQL cluster that ./livedash test starts (ConnectionStrings__Postgres).
/// One instance per test collection; tests that change settings put them back.
/// </summary>
public class LiveDashApp : WebApplicationFactory<Program>
{
    public const string AdminPassword = "test-admin-password";
    readonly string _stateDir = Directory.CreateTempSubdirectory("livedash-test-").FullName;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ConnectionStrings__Postgres")) && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("LIVEDASH_PG")))
            throw new InvalidOperationException("The tests need PostgreSQL: run them with ./livedash test (it starts a private cluster and sets ConnectionStrings__Postgres).");
        builder.UseEnvironment("Testing");
        builder.UseSetting("LiveDash:AdminPassword", AdminPassword);
        builder.UseSetting("LiveDash:StateDir", _stateDir);
        // Tests share one database: a farm of its own keeps this app's settings to itself.
        builder.UseSetting("LiveDash:Farm", "test-" + Guid.NewGuid().ToString("N"));
        builder.UseSetting("LiveDash:DbLatencyMs", "1");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
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
