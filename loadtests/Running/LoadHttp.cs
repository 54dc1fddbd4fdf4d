using System.Net;

namespace LiveDash.LoadTests.Running;

public static class LoadHttp
{
    /// <summary>
    /// The one client a run shares. Connections are capped at what the load can use at once and
    /// recycled every few minutes, so a long run neither opens sockets without bound nor pins stale ones.
    /// </summary>
    public static HttpClient Create(int maxConnections) =>
        new(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = Math.Max(1, maxConnections),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            ConnectTimeout = TimeSpan.FromSeconds(5),
            AutomaticDecompression = DecompressionMethods.None,
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
        })
        {
            // Each request carries its own timeout; the client-wide one would hide which request timed out.
            Timeout = Timeout.InfiniteTimeSpan,
        };
}
