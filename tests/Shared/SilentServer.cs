using System.Net;
using System.Net.Sockets;

namespace LiveDash.Tests.Shared;

/// <summary>
/// A TCP server on 127.0.0.1 that accepts every connection and never says a word: a database that is there but
/// does not answer. Counts the connections it accepted, so a test can see how many a client opened at once.
/// Linked into the test projects that need it.
/// </summary>
public sealed class SilentServer : IDisposable
{
    readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    readonly List<TcpClient> _accepted = [];
    readonly CancellationTokenSource _stop = new();
    readonly Task _accepting;

    public SilentServer()
    {
        _listener.Start(backlog: 512);
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int Accepted
    {
        get { lock (_accepted) return _accepted.Count; }
    }

    async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                lock (_accepted) _accepted.Add(client);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _accepting.Wait(TimeSpan.FromSeconds(5));
        lock (_accepted) foreach (var client in _accepted) client.Dispose();
    }
}
