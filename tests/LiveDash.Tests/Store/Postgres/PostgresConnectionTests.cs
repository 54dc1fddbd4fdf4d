using LiveDash.Store.Postgres;
using Npgsql;

namespace LiveDash.Tests.Store.Postgres;

public class PostgresConnectionTests
{
    static NpgsqlConnectionStringBuilder Built(string user) => new(PostgresConnection.Build(user));

    [Fact]
    public void ACommandTimeoutKeepsTheThreeSecondConnectTimeout()
    {
        var csb = Built("Host=127.0.0.1;Username=u;Password=p;Command Timeout=60");
        Assert.Equal(3, csb.Timeout);
        Assert.Equal(60, csb.CommandTimeout);
    }

    [Theory]
    [InlineData("Host=h;Timeout=10", 10)]
    [InlineData("Host=h;timeout=7", 7)]
    public void AConnectTimeoutTheUserSetIsKept(string user, int expected) => Assert.Equal(expected, Built(user).Timeout);

    [Theory]
    [InlineData("Host=h;Maximum Pool Size=5")]
    [InlineData("Host=h;MaxPoolSize=5")]
    public void APoolSizeTheUserSetIsKeptUnderAnyOfItsNames(string user) => Assert.Equal(5, Built(user).MaxPoolSize);

    [Theory]
    [InlineData("Host=h", 250, 200)]                              // warm to what admission control lets in at once
    [InlineData("Host=h;Maximum Pool Size=125", 125, 125)]        // a farm instance's share: warm all of it
    [InlineData("Host=h;Minimum Pool Size=0", 250, 0)]            // no warming
    [InlineData("Host=h;MinPoolSize=300", 300, 300)]              // a larger minimum raises the default maximum
    public void ThePoolsMinimumIsWhatAdmissionLetsInUnlessTheUserSetIt(string user, int max, int min)
    {
        var csb = Built(user);
        Assert.Equal((max, min), (csb.MaxPoolSize, csb.MinPoolSize));
    }

    [Fact]
    public void DefaultsFillWhatTheUserLeftUnset()
    {
        var csb = Built("Host=h;Options=-c work_mem=8MB;Application Name=mine");
        Assert.Equal(250, csb.MaxPoolSize);
        Assert.Equal(3, csb.Timeout);
        Assert.True(csb.NoResetOnClose);
        Assert.Equal("-c work_mem=8MB", csb.Options);
        Assert.Equal("mine", csb.ApplicationName);
        Assert.Equal("-c plan_cache_mode=force_generic_plan", Built("Host=h").Options);
    }
}

/// <summary>
/// Which failures drop the pool: a server that is gone (refused) does, a connection that was only slow to open does
/// not (a cold burst of opens queues at the server; dropping the good pooled connections made the next burst worse).
/// The exceptions are Npgsql's own, from a real socket.
/// </summary>
public class PostgresFailureTests
{
    [Fact]
    public async Task ASlowOpenIsNotAnOutageButARefusedOneIs()
    {
        // Accepts the TCP connection and never answers: Npgsql's connect timeout fires.
        using var silent = new LiveDash.Tests.Shared.SilentServer();
        var slow = await OpenFailure($"Host=127.0.0.1;Port={silent.Port};Username=u;Password=p;Timeout=1");
        Assert.True(PostgresStore.IsUnavailable(slow), slow.ToString());
        Assert.True(PostgresStore.IsSlowOpen(slow), slow.ToString());

        // Nothing listens: refused at once.
        int closedPort;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            closedPort = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }
        var refused = await OpenFailure($"Host=127.0.0.1;Port={closedPort};Username=u;Password=p;Timeout=1");
        Assert.True(PostgresStore.IsUnavailable(refused), refused.ToString());
        Assert.False(PostgresStore.IsSlowOpen(refused), refused.ToString());
    }

    [Fact]
    public async Task ACallTheClientLeftIsACancellationNotAnOutage()
    {
        // The server accepts and never answers; the client leaves after 200 ms. Whatever Npgsql throws then (it may
        // only notice at its own timeout), the store reports the cancellation; with the client still there, an outage.
        using var silent = new LiveDash.Tests.Shared.SilentServer();
        await using var source = NpgsqlDataSource.Create($"Host=127.0.0.1;Port={silent.Port};Username=u;Password=p;Timeout=2");
        var store = new PostgresStore(source, new LiveDash.Store.SeedData(), Microsoft.Extensions.Logging.Abstractions.NullLogger<PostgresStore>.Instance);

        using var gone = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.FindUserAsync(1, 0, gone.Token));
        // A 503: "busy" until a probe on a fresh connection has failed too (this store has none), "unreachable" after.
        await Assert.ThrowsAnyAsync<LiveDash.Store.StoreUnavailableException>(() => store.FindUserAsync(1, 0, CancellationToken.None));
    }

    [Fact]
    public async Task ABurstOpensAtMostMaxConnectingConnectionsAtOnce()
    {
        // A server that accepts and never answers: every open holds its turn until the 2 s connect timeout.
        using var silent = new LiveDash.Tests.Shared.SilentServer();
        await using var source = NpgsqlDataSource.Create($"Host=127.0.0.1;Port={silent.Port};Username=u;Password=p;Timeout=2;Maximum Pool Size=100");
        var store = new PostgresStore(source, new LiveDash.Store.SeedData(), Microsoft.Extensions.Logging.Abstractions.NullLogger<PostgresStore>.Instance);

        var calls = Enumerable.Range(0, 3 * PostgresStore.MaxConnecting).Select(_ => store.FindUserAsync(1, 0, CancellationToken.None)).ToList();
        await Task.Delay(1000);
        Assert.InRange(silent.Accepted, 1, PostgresStore.MaxConnecting);

        // Every call ends as a 503 (busy or unreachable), none hangs: those that never got a turn say so.
        foreach (var call in calls) await Assert.ThrowsAnyAsync<LiveDash.Store.StoreUnavailableException>(() => call);
    }

    static async Task<Exception> OpenFailure(string connectionString)
    {
        await using var source = NpgsqlDataSource.Create(connectionString);
        var e = await Record.ExceptionAsync(async () => await source.OpenConnectionAsync());
        Assert.NotNull(e);
        return e;
    }
}
