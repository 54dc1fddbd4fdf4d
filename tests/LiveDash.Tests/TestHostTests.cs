using System.Net;
using LiveDash.Admin;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace LiveDash.Tests;

[CollectionDefinition(Name, DisableParallelization = true)]
public class CallerEnvironmentCollection
{
    public const string Name = "caller environment";
}

/// <summary>A user's shell may hold the app's variables; the tests must see only their own settings.</summary>
[Collection(CallerEnvironmentCollection.Name)]
public class TestHostTests
{
    static readonly Dictionary<string, string> CallerVariables = new()
    {
        ["LIVEDASH_ADMIN_PASSWORD"] = "the-users-own-password",
        ["LIVEDASH_PG"] = "Host=127.0.0.1;Port=1;Username=nobody;Database=nothing",
        ["ConnectionStrings__Postgres"] = "Host=127.0.0.1;Port=1;Username=nobody;Database=nothing",
        ["Database__Provider"] = "MongoDB",
        ["LiveDash__Mode"] = "SyncOverAsync",
        ["LiveDash__DbLatencyMs"] = "4321",
        ["LiveDash__MinThreads"] = "7",
        ["LiveDash__AdminPassword"] = "another-users-password",
        ["ASPNETCORE_ENVIRONMENT"] = "Development",
    };

    [Fact]
    public async Task TheCallersVariablesChangeNothingTheTestsSee()
    {
        var saved = CallerVariables.Keys.ToDictionary(k => k, Environment.GetEnvironmentVariable);
        foreach (var (name, value) in CallerVariables) Environment.SetEnvironmentVariable(name, value);
        try
        {
            await using var app = new LiveDashApp();
            Assert.Equal(new SettingsSnapshot(StoreMode.Async, 1, 0), app.Settings.Current);
            Assert.Equal("Testing", app.Services.GetRequiredService<IHostEnvironment>().EnvironmentName);
            var admin = app.AdminClient();
            Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/admin/api/settings")).StatusCode);
            var users = app.CreateClient();
            users.DefaultRequestHeaders.Authorization = new("Basic", Convert.ToBase64String("admin:the-users-own-password"u8.ToArray()));
            Assert.Equal(HttpStatusCode.Unauthorized, (await users.GetAsync("/admin/api/settings")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await app.CreateClient().GetAsync("/api/orders?user=1")).StatusCode);
        }
        finally
        {
            foreach (var (name, value) in saved) Environment.SetEnvironmentVariable(name, value);
        }
    }
}
