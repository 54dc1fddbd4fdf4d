using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LiveDash.Admin;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LiveDash.Tests.Farm;

/// <summary>One instance of a farm: the app on a real Kestrel port, on the tests' database, with the farm and instance names given.</summary>
sealed class FarmApp : WebApplicationFactory<Program>
{
    public const string AdminPassword = "farm-tests-secret";
    readonly string _stateDir = Directory.CreateTempSubdirectory("livedash-farm-tests-").FullName;
    readonly string _farm;
    readonly string _instance;
    readonly (string Key, string Value)[] _settings;

    public FarmApp(string farm, string instance, params (string Key, string Value)[] settings)
    {
        (_farm, _instance, _settings) = (farm, instance, settings);
        UseKestrel(0);
    }

    public static string NewFarmName() => "test-farm-" + Guid.NewGuid().ToString("N")[..12];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // Not TestHost.Isolate: its mode and latency would count as settings given at start, which win over the farm's stored ones.
        builder.UseEnvironment("Testing");
        TestHost.DropEnvironment(builder);
        builder.UseSetting("Database:Provider", "PostgreSQL");
        builder.UseSetting("ConnectionStrings:Postgres", TestHost.PostgresConnection);
        builder.UseSetting("LiveDash:AdminPassword", AdminPassword);
        builder.UseSetting("LiveDash:StateDir", _stateDir);
        builder.UseSetting("LiveDash:Farm", _farm);
        builder.UseSetting("LiveDash:Instance", _instance);
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.UseSetting("urls", "http://127.0.0.1:0");
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
    }

    public Uri BaseAddress
    {
        get
        {
            StartServer();
            var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new Uri(address.Replace("[::]", "127.0.0.1").Replace("localhost", "127.0.0.1"));
        }
    }

    public RuntimeSettings Settings => Services.GetRequiredService<RuntimeSettings>();

    public HttpClient Http()
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:" + AdminPassword)));
        return client;
    }

    /// <summary>Waits until the instance hears the farm (its LISTEN connection is up), so no change can slip past it.</summary>
    public async Task WaitListeningAsync(CancellationToken ct)
    {
        using var http = Http();
        var until = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < until)
        {
            var info = await http.GetFromJsonAsync<JsonElement>("/api/farm", ct);
            if (info.GetProperty("listening").GetBoolean()) return;
            await Task.Delay(50, ct);
        }
        throw new TimeoutException($"{_instance} never started listening to its farm");
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        try { Directory.Delete(_stateDir, recursive: true); } catch (IOException) { }
    }
}
