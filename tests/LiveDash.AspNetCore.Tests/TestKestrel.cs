using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LiveDash.AspNetCore.Tests;

/// <summary>
/// A host built in the test on a real Kestrel (127.0.0.1 and a free port unless it listens elsewhere), with the
/// three lines, a GET /work that answers at once, and whatever the test adds. Its static web assets are the
/// sample's (their manifest is in this test's output), so the dashboard's assets are served as in any app.
/// </summary>
sealed class TestKestrel : IAsyncDisposable
{
    readonly WebApplication _app;

    TestKestrel(WebApplication app, HttpClient client)
    {
        _app = app;
        Client = client;
    }

    public HttpClient Client { get; }
    public IServiceProvider Services => _app.Services;

    /// <param name="configure">Runs after the three lines' first two (AddLiveDash, UseLiveDash), before Build.</param>
    /// <param name="pipeline">Runs on the built app before MapLiveDash.</param>
    /// <param name="addLiveDash">In place of a plain <c>AddLiveDash()</c>.</param>
    /// <param name="client">The client for the host's address; default a plain HttpClient.</param>
    public static async Task<TestKestrel> StartAsync(Action<WebApplicationBuilder>? configure = null, Action<WebApplication>? pipeline = null,
        Action<IServiceCollection>? addLiveDash = null, Func<Uri, HttpClient>? client = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = "MinimalApi", EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        (addLiveDash ?? (services => services.AddLiveDash()))(builder.Services);
        builder.WebHost.UseLiveDash();
        configure?.Invoke(builder);
        var app = builder.Build();
        pipeline?.Invoke(app);
        app.MapGet("/work", () => "done");
        app.MapLiveDash();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var baseAddress = new Uri(address.StartsWith("http://unix:", StringComparison.Ordinal) ? "http://localhost/" : address.TrimEnd('/') + "/");
        var http = client?.Invoke(baseAddress) ?? new HttpClient { BaseAddress = baseAddress };
        http.Timeout = TimeSpan.FromSeconds(30);
        return new TestKestrel(app, http);
    }

    /// <summary>A client that connects to a Unix socket whatever the URL's host.</summary>
    public static HttpClient UnixSocketClient(string path) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (_, ct) =>
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), ct);
            return new NetworkStream(socket, ownsSocket: true);
        },
    }) { BaseAddress = new Uri("http://localhost/") };

    /// <summary>GET {path}/api/summary as JSON, once the seconds of the requests before it are complete.</summary>
    public async Task<System.Text.Json.JsonElement> SummaryAfterAsync(int seconds)
    {
        await Task.Delay(2200);
        var json = await Client.GetStringAsync($"livedash/api/summary?seconds={seconds}");
        return System.Text.Json.JsonDocument.Parse(json).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
