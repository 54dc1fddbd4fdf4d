using System.Net;
using LiveDash.LoadTests.Agent;

namespace LiveDash.Tests.Load;

/// <summary>A LoadAgent running in this process against a test app, stopped on dispose.</summary>
sealed class InProcessAgent : IAsyncDisposable
{
    readonly CancellationTokenSource _stop = new();
    Task _running = Task.CompletedTask;

    public required LoadAgent Agent { get; init; }

    public static InProcessAgent Start(KestrelApp app, string name)
    {
        var agent = new InProcessAgent { Agent = new LoadAgent(app.BaseAddress, name, KestrelApp.AdminPassword, TextWriter.Null) };
        agent._running = agent.Agent.RunAsync(agent._stop.Token);
        return agent;
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        try
        {
            await _running.WaitAsync(TimeSpan.FromSeconds(40));
        }
        catch (OperationCanceledException)
        {
        }
    }
}

/// <summary>A TCP relay on 127.0.0.1 that can go silent: after Freeze nothing passes, and nothing is closed.</summary>
sealed class FreezableRelay : IAsyncDisposable, IDisposable
{
    readonly System.Net.Sockets.TcpListener _listener = new(IPAddress.Loopback, 0);
    readonly Uri _target;
    readonly CancellationTokenSource _stop = new();
    readonly List<System.Net.Sockets.TcpClient> _clients = [];
    volatile bool _frozen;

    FreezableRelay(Uri target) => _target = target;

    public Uri Address => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    public static Task<FreezableRelay> StartAsync(Uri target)
    {
        var relay = new FreezableRelay(target);
        relay._listener.Start();
        _ = relay.AcceptAsync();
        return Task.FromResult(relay);
    }

    public void Freeze() => _frozen = true;

    public void Thaw() => _frozen = false;

    async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                var server = new System.Net.Sockets.TcpClient();
                await server.ConnectAsync(_target.Host, _target.Port, _stop.Token);
                lock (_clients) _clients.AddRange([client, server]);
                _ = PumpAsync(client.GetStream(), server.GetStream());
                _ = PumpAsync(server.GetStream(), client.GetStream());
            }
        }
        catch (Exception e) when (e is OperationCanceledException or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
        }
    }

    async Task PumpAsync(Stream from, Stream to)
    {
        var buffer = new byte[16384];
        try
        {
            while (true)
            {
                var n = await from.ReadAsync(buffer, _stop.Token);
                if (n == 0) break;
                while (_frozen) await Task.Delay(50, _stop.Token);
                await to.WriteAsync(buffer.AsMemory(0, n), _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
        }
    }

    public void Dispose()
    {
        if (_stop.IsCancellationRequested) return;
        _stop.Cancel();
        _listener.Stop();
        lock (_clients) foreach (var c in _clients) c.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
