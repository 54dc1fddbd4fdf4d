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
