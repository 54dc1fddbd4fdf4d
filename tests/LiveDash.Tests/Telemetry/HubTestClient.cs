using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace LiveDash.Tests.Telemetry;

/// <summary>A dashboard speaking the SignalR JSON protocol over a raw WebSocket (the .NET SignalR client is not available here).</summary>
sealed class HubTestClient : IAsyncDisposable
{
    const char RecordSeparator = '\u001e';
    readonly ClientWebSocket _socket = new();
    readonly StringBuilder _pending = new();
    readonly byte[] _buffer = new byte[64 * 1024];

    public static async Task<HubTestClient> ConnectAsync(Uri baseAddress, CancellationToken ct, string path = "/hubs/telemetry")
    {
        var client = new HubTestClient();
        var uri = new UriBuilder(baseAddress) { Scheme = "ws", Path = path }.Uri;
        await client._socket.ConnectAsync(uri, ct);
        await client.SendAsync("{\"protocol\":\"json\",\"version\":1}", ct);
        var handshake = await client.ReceiveAsync(ct);
        Assert.Equal("{}", handshake);
        return client;
    }

    public Task StartTicksAsync(CancellationToken ct) =>
        SendAsync("{\"type\":4,\"invocationId\":\"ticks\",\"target\":\"Ticks\",\"arguments\":[]}", ct);

    public Task SendAsync(string message, CancellationToken ct) =>
        _socket.SendAsync(Encoding.UTF8.GetBytes(message + RecordSeparator), WebSocketMessageType.Text, true, ct);

    /// <summary>The next protocol message, whole, without its record separator.</summary>
    public async Task<string> ReceiveAsync(CancellationToken ct)
    {
        while (true)
        {
            var text = _pending.ToString();
            var end = text.IndexOf(RecordSeparator);
            if (end >= 0)
            {
                _pending.Remove(0, end + 1);
                return text[..end];
            }
            var result = await _socket.ReceiveAsync(_buffer, ct);
            if (result.MessageType == WebSocketMessageType.Close) throw new InvalidOperationException("the hub closed the connection");
            _pending.Append(Encoding.UTF8.GetString(_buffer, 0, result.Count));
        }
    }

    /// <summary>The next message of the given type (1 invocation, 2 stream item, ...), skipping pings.</summary>
    public async Task<JsonElement> ReceiveAsync(int type, CancellationToken ct)
    {
        while (true)
        {
            using var doc = JsonDocument.Parse(await ReceiveAsync(ct));
            var messageType = doc.RootElement.GetProperty("type").GetInt32();
            if (messageType == 3) throw new InvalidOperationException("the stream completed: " + doc.RootElement.GetRawText());
            if (messageType == type) return doc.RootElement.Clone();
        }
    }

    public async Task<JsonElement> NextTickAsync(CancellationToken ct)
    {
        var item = await ReceiveAsync(2, ct);
        Assert.Equal("ticks", item.GetProperty("invocationId").GetString());
        return item.GetProperty("item");
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Abort();
        _socket.Dispose();
        await Task.CompletedTask;
    }
}
