using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace LiveDash.Tests.Telemetry;

/// <summary>A dashboard as the browser is one, through the served SignalR .NET client: one stream (ticks or farm
/// frames) read item by item, and the hub's pushed events kept in order until a test asks for them.</summary>
sealed class DashboardClient : IAsyncDisposable
{
    readonly HubConnection _hub;
    readonly Channel<(string Target, JsonElement Argument)> _events = Channel.CreateUnbounded<(string, JsonElement)>();
    IAsyncEnumerator<JsonElement>? _stream;

    DashboardClient(HubConnection hub) => _hub = hub;

    public static async Task<DashboardClient> ConnectAsync(Uri baseAddress, CancellationToken ct, string path = "/hubs/telemetry")
    {
        var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(baseAddress, path), o => { o.Transports = HttpTransportType.WebSockets; o.SkipNegotiation = true; })
            .Build();
        var client = new DashboardClient(hub);
        hub.On<JsonElement>("SettingsChanged", change => client._events.Writer.TryWrite(("SettingsChanged", change)));
        await hub.StartAsync(ct);
        return client;
    }

    /// <summary>Starts the hub's stream <paramref name="method"/> (Ticks on the telemetry hub, Frames on the farm's).</summary>
    public void StartStream(string method, CancellationToken ct) =>
        _stream = _hub.StreamAsync<JsonElement>(method, ct).GetAsyncEnumerator(ct);

    public void StartTicks(CancellationToken ct) => StartStream("Ticks", ct);

    /// <summary>The stream's next item: a tick frame ({d, k}) or a farm frame.</summary>
    public async Task<JsonElement> NextAsync()
    {
        if (_stream is null) throw new InvalidOperationException("no stream started");
        if (!await _stream.MoveNextAsync()) throw new InvalidOperationException("the stream completed");
        return _stream.Current;
    }

    public Task<JsonElement> NextTickAsync() => NextAsync();

    /// <summary>The next event the hub pushed (by name, with its one argument).</summary>
    public async Task<(string Target, JsonElement Argument)> NextEventAsync(CancellationToken ct) =>
        await _events.Reader.ReadAsync(ct);

    public async ValueTask DisposeAsync()
    {
        if (_stream is not null) await _stream.DisposeAsync();
        await _hub.DisposeAsync();
    }
}
