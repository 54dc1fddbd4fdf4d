
namespace LiveDash.Mongo.Tests;

public class MongoUrlTests
{
    [Fact]
    public void ParsesEverySupportedPart()
    {
        var url = MongoUrl.Parse("mongodb://ada%40lab:p%3Ass@db1.example:27018,db2.example/shop?authSource=admin&maxPoolSize=50&minPoolSize=5" +
            "&connectTimeoutMS=1500&socketTimeoutMS=2500&waitQueueTimeoutMS=700&appName=LiveDash&authMechanism=SCRAM-SHA-1");
        Assert.Equal([("db1.example", 27018), ("db2.example", 27017)], url.Hosts);
        Assert.Equal("db1.example", url.Host);
        Assert.Equal("shop", url.Database);
        Assert.Equal("ada@lab", url.UserName);
        Assert.Equal("p:ss", url.Password);
        Assert.Equal("admin", url.AuthSource);
        Assert.Equal(MongoAuthMechanism.ScramSha1, url.AuthMechanism);
        Assert.Equal((50, 5), (url.MaxPoolSize, url.MinPoolSize));
        Assert.Equal(TimeSpan.FromMilliseconds(1500), url.ConnectTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(2500), url.SocketTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(700), url.WaitQueueTimeout);
        Assert.Equal("LiveDash", url.AppName);
        Assert.DoesNotContain("p:ss", url.ToString());
    }

    [Fact]
    public void DefaultsFollowTheSpec()
    {
        var url = MongoUrl.Parse("mongodb://ada:pw@localhost/");
        Assert.Equal(("localhost", 27017), url.Hosts[0]);
        Assert.Equal("livedash", url.Database);
        Assert.Equal("admin", url.AuthSource);
        Assert.Equal(MongoAuthMechanism.Negotiate, url.AuthMechanism);
        Assert.Equal(Timeout.InfiniteTimeSpan, url.SocketTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), url.ConnectTimeout);
        Assert.Equal("shop", MongoUrl.Parse("mongodb://ada:pw@localhost/shop").AuthSource);
    }

    [Fact]
    public void MaxConnectingDefaultsToTwo()
    {
        Assert.Equal(2, MongoUrl.Parse("mongodb://h/db").MaxConnecting);
        Assert.Equal(5, MongoUrl.Parse("mongodb://h/db?maxConnecting=5").MaxConnecting);
    }

    [Fact]
    public void ParsesIpv6Hosts() =>
        Assert.Equal(("::1", 27019), MongoUrl.Parse("mongodb://[::1]:27019/x").Hosts[0]);

    [Theory]
    [InlineData("mongodb+srv://cluster.example/db", "DNS SRV")]
    [InlineData("mongodb://h/db?replicaSet=rs0", "option 'replicaSet' is not supported")]
    [InlineData("mongodb://h/db?tls=true", "option 'tls'")]
    [InlineData("http://h/db", "starts with mongodb://")]
    [InlineData("mongodb://h:0/db", "port '0'")]
    [InlineData("mongodb://h:99999/db", "port '99999'")]
    [InlineData("mongodb://h/db?maxPoolSize=-1", "maxPoolSize")]
    [InlineData("mongodb://h/db?minPoolSize=20&maxPoolSize=10", "minPoolSize (20) is larger")]
    [InlineData("mongodb://h/db?maxConnecting=0", "maxConnecting")]
    [InlineData("mongodb://h/db?authSource=", "authSource is empty")]
    [InlineData("mongodb://h/db?authMechanism=PLAIN", "authMechanism 'PLAIN'")]
    [InlineData("mongodb://a:b@h/db?authMechanism=MONGODB-X509", "authMechanism")]
    [InlineData("mongodb://h1,h2/db?directConnection=true", "exactly one host")]
    [InlineData("mongodb://h/db?directConnection=yes", "directConnection must be true or false")]
    [InlineData("mongodb://user@h/db", "needs a password")]
    [InlineData("mongodb://us:er:x@h/db", "reserved character")]
    [InlineData("mongodb://h?maxPoolSize=3", "'/' before the '?'")]
    [InlineData("mongodb:///db", "no host")]
    [InlineData("mongodb://h/db?appName=a&appName=b", "more than once")]
    [InlineData("mongodb://a:%zz@h/db", "invalid percent-escape")]
    public void RefusesWithAMessageNamingTheProblem(string connectionString, string expected)
    {
        var e = Assert.Throws<FormatException>(() => MongoUrl.Parse(connectionString));
        Assert.Contains(expected, e.Message);
    }
}
