using Npgsql;

namespace LiveDash.Farm;

/// <summary>
/// The farm's own small pool, apart from the store's (so its connections never show in the store's pool figures
/// or wait behind a starved store), and the connection string of the one long-lived LISTEN connection.
/// </summary>
public sealed class FarmDatabase : IDisposable
{
    public FarmDatabase(string connectionString)
    {
        var csb = new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = "LiveDash farm", MinPoolSize = 0, MaxPoolSize = 4, Timeout = 3, CommandTimeout = 5 };
        DataSource = new NpgsqlDataSourceBuilder(csb.ConnectionString).Build();
        // Keepalive makes a silently dropped connection fail WaitAsync, so the listener reconnects and re-reads.
        var listen = new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = "LiveDash farm listener", Pooling = false, KeepAlive = 5, Timeout = 3 };
        ListenConnectionString = listen.ConnectionString;
    }

    public NpgsqlDataSource DataSource { get; }
    public string ListenConnectionString { get; }

    public void Dispose() => DataSource.Dispose();
}
