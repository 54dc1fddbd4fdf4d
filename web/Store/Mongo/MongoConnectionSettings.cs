using MongoDB.Driver;
using MongoDB.Driver.Core.Configuration;

namespace LiveDash.Store.Mongo;

/// <summary>
/// ConnectionStrings:Mongo, read with the driver's own parser (every driver option works: TLS, mongodb+srv://,
/// replicaSet, compressors, authentication), plus the defaults LiveDash chooses for options the string leaves out.
/// The driver's own defaults (30 s server selection and wait queue, 30 s connect, a pool of 100) would keep a
/// request waiting 30 s on an outage and make the pool, not the thread pool, the limit under load.
/// </summary>
public sealed record MongoConnectionSettings(
    string ConnectionString, string Database, IReadOnlyList<string> Hosts,
    TimeSpan ServerSelectionTimeout, TimeSpan ConnectTimeout, TimeSpan WaitQueueTimeout, int MaxPoolSize, int MinPoolSize)
{
    /// <summary>An unreachable server answers 503 after this; the app's outage answer is promised within 5 s.</summary>
    public static readonly TimeSpan DefaultServerSelectionTimeout = TimeSpan.FromSeconds(3);
    /// <summary>A TCP connect plus handshake on a LAN takes milliseconds; 2 s also fits a cloud region.</summary>
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(2);
    /// <summary>How long a request waits for a pooled connection before it answers 503.</summary>
    public static readonly TimeSpan DefaultWaitQueueTimeout = TimeSpan.FromSeconds(3);
    /// <summary>Sized like the PostgreSQL pool: at concurrency 200 the pool must not be the limit.</summary>
    public const int DefaultMaxPoolSize = 250;
    /// <summary>Opened at start and kept open: a starved thread pool cannot open connections, but can use open ones.</summary>
    public const int DefaultMinPoolSize = 16;
    public const string DefaultDatabase = "livedash";

    /// <summary>Throws <see cref="MongoConfigurationException"/> (or ArgumentException) on a string the driver refuses.</summary>
    public static MongoConnectionSettings Parse(string text)
    {
        var parsed = new ConnectionString(text);
        var maxPool = parsed.MaxPoolSize ?? DefaultMaxPoolSize;
        return new(text, parsed.DatabaseName ?? DefaultDatabase, parsed.Hosts.Select(h => h.ToString()!).ToList(),
            parsed.ServerSelectionTimeout ?? DefaultServerSelectionTimeout,
            parsed.ConnectTimeout ?? DefaultConnectTimeout,
            parsed.WaitQueueTimeout ?? DefaultWaitQueueTimeout,
            maxPool, parsed.MinPoolSize ?? Math.Min(DefaultMinPoolSize, maxPool));
    }

    public MongoClientSettings ClientSettings(Action<ClusterBuilder> configure)
    {
        var settings = MongoClientSettings.FromConnectionString(ConnectionString);
        settings.ServerSelectionTimeout = ServerSelectionTimeout;
        settings.ConnectTimeout = ConnectTimeout;
        settings.WaitQueueTimeout = WaitQueueTimeout;
        settings.MaxConnectionPoolSize = MaxPoolSize;
        settings.MinConnectionPoolSize = MinPoolSize;
        settings.ClusterConfigurator = configure;
        return settings;
    }
}
