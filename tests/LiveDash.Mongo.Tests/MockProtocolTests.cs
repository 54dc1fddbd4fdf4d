using System.Diagnostics;

namespace LiveDash.Mongo.Tests;

/// <summary>The client against MockupDB speaking the real wire protocol (Debian python3-mockupdb).</summary>
public sealed class MockProtocolTests(MockMongod server) : IClassFixture<MockMongod>
{
    readonly MockMongod _server = server;
    // The server outlives each test: every test writes to collections of its own.
    static string Unique(string name) => $"{name}_{Guid.NewGuid():N}";

    static BsonDocument Cmd(string name, object? value) => new() { { name, value } };

    static async Task<List<BsonDocument>> Recorded(MongoClient client)
    {
        var reply = await client.RunCommandAsync(Cmd("getRecorded", 1), true, default);
        return reply.Get<BsonArray>("requests").Cast<BsonDocument>().Where(r => r.Get<string>("command") != "getRecorded").ToList();
    }

    [Fact]
    public async Task HandshakeSendsLegacyHelloWithClientMetadata()
    {
        using var client = _server.Client("appName=LiveDashTests");
        await client.RunCommandAsync(Cmd("ping", 1), true, default);
        var requests = await Recorded(client);
        requests = requests[requests.FindLastIndex(r => r.Get<string>("command") == "isMaster")..];
        var hello = requests[0].Get<BsonDocument>("doc");
        Assert.Equal("isMaster", requests[0].Get<string>("command"));
        Assert.Equal(true, hello["helloOk"]);
        // The server's hello command is strict: any field it does not know fails the handshake.
        Assert.Subset(new HashSet<string> { "isMaster", "helloOk", "client", "saslSupportedMechs", "$db" }, hello.Select(e => e.Name).ToHashSet());
        Assert.Equal("admin", hello["$db"]);
        var metadata = hello.Get<BsonDocument>("client");
        Assert.Equal("LiveDashTests", metadata.Get<BsonDocument>("application")["name"]);
        Assert.Equal("LiveDash", metadata.Get<BsonDocument>("driver")["name"]);
        Assert.Equal("Linux", metadata.Get<BsonDocument>("os")["type"]);
        Assert.Equal("ping", requests[1].Get<string>("command"));
        Assert.Equal("livedash_test", requests[1].Get<BsonDocument>("doc")["$db"]);
    }

    [Fact]
    public async Task OldServersAreRefusedByWireVersion()
    {
        using var old = new MockMongod("--max-wire-version 5");
        using var client = old.Client();
        var e = await Assert.ThrowsAsync<MongoConnectionException>(() => client.RunCommandAsync(Cmd("ping", 1), true, default).AsTask());
        Assert.Contains("maxWireVersion 5", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task FindDrainsTheCursorWithGetMoreAcrossBatches(bool async)
    {
        using var client = _server.Client();
        var coll = Unique("items");
        var items = Enumerable.Range(1, 25).Select(i => new BsonDocument { { "_id", i }, { "name", $"item {i}" } }).ToList();
        Assert.Equal(25, await client.InsertManyAsync(coll, items, 10, true, default));
        await Recorded(client);

        var all = await Run(client.FindAsync(coll, new BsonDocument(), new FindOptions(Sort: new BsonDocument { { "_id", 1 } }, BatchSize: 7), async, default), async);
        Assert.Equal(Enumerable.Range(1, 25), all.Select(d => (int)d["_id"]!));
        var commands = (await Recorded(client)).Select(r => r.Get<string>("command")).ToList();
        Assert.Equal(["find", "getMore", "getMore", "getMore"], commands);
    }

    [Fact]
    public async Task StoppingEarlyKillsTheCursor()
    {
        using var client = _server.Client();
        var coll = Unique("items");
        await client.InsertManyAsync(coll, Enumerable.Range(1, 30).Select(i => new BsonDocument { { "_id", i } }), 100, true, default);
        await Recorded(client);
        var some = await client.FindAsync(coll, new BsonDocument(), new FindOptions(BatchSize: 5, Take: 8), true, default);
        Assert.Equal(8, some.Count);
        var requests = await Recorded(client);
        Assert.Equal(["find", "getMore", "killCursors"], requests.Select(r => r.Get<string>("command")));
        var kill = requests[2].Get<BsonDocument>("doc");
        Assert.Equal(coll, kill["killCursors"]);
        Assert.Single(kill.Get<BsonArray>("cursors"));
    }

    [Fact]
    public async Task InsertSendsBatchesAsDocumentSequences()
    {
        using var client = _server.Client();
        await Recorded(client);
        var coll = Unique("things");
        var n = await client.InsertManyAsync(coll, Enumerable.Range(0, 2500).Select(i => new BsonDocument { { "_id", i } }), 1000, true, default);
        Assert.Equal(2500, n);
        var inserts = (await Recorded(client)).Where(r => r.Get<string>("command") == "insert").ToList();
        Assert.Equal([1000, 1000, 500], inserts.Select(r => r.Get<BsonDocument>("doc").Get<BsonArray>("documents").Count));
        // Kind 1 section: after flagBits and the body section comes byte 0x01 and the identifier "documents".
        var raw = ((BsonBinary)inserts[0]["raw"]!).Data;
        var bodyLength = BitConverter.ToInt32(raw, 5);
        Assert.Equal(1, raw[5 + bodyLength]);
        Assert.Equal("documents\0"u8.ToArray(), raw.AsSpan(5 + bodyLength + 5, 10).ToArray());
        Assert.Equal(2500, await client.CountAsync(coll, new BsonDocument(), true, default));
    }

    [Fact]
    public async Task AggregateReturnsThePipelineResult()
    {
        using var client = _server.Client();
        var coll = Unique("orders");
        await client.InsertManyAsync(coll, [
            new BsonDocument { { "_id", 1L }, { "userId", 7 }, { "lines", new BsonArray { new BsonDocument { { "quantity", 3 }, { "unitPrice", Decimal128.FromDecimal(2.50m) } } } } },
            new BsonDocument { { "_id", 2L }, { "userId", 8 }, { "lines", new BsonArray() } },
        ], 10, true, default);
        var pipeline = new BsonArray
        {
            new BsonDocument { { "$match", new BsonDocument { { "userId", 7 } } } },
            new BsonDocument { { "$project", new BsonDocument { { "n", new BsonDocument { { "$size", "$lines" } } } } } },
        };
        var result = await client.AggregateAsync(coll, pipeline, true, default);
        Assert.Equal(1L, Assert.Single(result)["_id"]);
        Assert.Equal(1, result[0]["n"]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ServerErrorsBecomeTypedExceptionsWithCodeAndMessage(bool async)
    {
        using var client = _server.Client();
        var call = client.RunCommandAsync(new BsonDocument { { "mockError", 13 }, { "errmsg", "not authorized on livedash" }, { "codeName", "Unauthorized" } }, async, default);
        var e = async ? await Assert.ThrowsAsync<MongoCommandException>(() => call.AsTask()) : Assert.Throws<MongoCommandException>(() => call.Result());
        Assert.Equal(13, e.Code);
        Assert.Equal("Unauthorized", e.CodeName);
        Assert.Equal("not authorized on livedash", e.ErrorMessage);
        // The connection survives a command error.
        Assert.Equal(1, client.Pool.Stats.Open);
    }

    [Fact]
    public async Task WriteErrorsBecomeTypedExceptions()
    {
        using var client = _server.Client();
        var coll = Unique("dupes");
        await client.InsertManyAsync(coll, [new BsonDocument { { "_id", 1 } }], 10, true, default);
        var e = await Assert.ThrowsAsync<MongoCommandException>(() => client.InsertManyAsync(coll, [new BsonDocument { { "_id", 2 } }, new BsonDocument { { "_id", 1 } }], 10, true, default).AsTask());
        Assert.Equal(11000, e.Code);
        Assert.Contains("index 1", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ServerClosingMidReplyIsAClearErrorAndThePoolRecovers(bool async)
    {
        using var client = _server.Client();
        await client.RunCommandAsync(Cmd("ping", 1), true, default);
        var call = client.RunCommandAsync(new BsonDocument { { "mockHangup", 1 }, { "midReply", true } }, async, default);
        var e = async ? await Assert.ThrowsAsync<MongoConnectionException>(() => call.AsTask()) : Assert.Throws<MongoConnectionException>(() => call.Result());
        Assert.Contains("closed the connection in the middle of a reply", e.Message);
        Assert.Equal(0, client.Pool.Stats.Open);
        var reply = async ? await client.RunCommandAsync(Cmd("ping", 1), true, default) : client.RunCommandAsync(Cmd("ping", 1), false, default).Result();
        Assert.True(MongoReply.IsOk(reply));
        Assert.Equal(1, client.Pool.Stats.Open);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SocketTimeoutIsHonouredAndTheConnectionReplaced(bool async)
    {
        // Room for a slow mock on a busy machine: the sleep is five times the timeout.
        using var client = _server.Client("socketTimeoutMS=1000");
        await client.RunCommandAsync(Cmd("ping", 1), true, default);
        var clock = Stopwatch.StartNew();
        var call = client.RunCommandAsync(Cmd("mockSleep", 5000), async, default);
        var e = async ? await Assert.ThrowsAsync<MongoConnectionException>(() => call.AsTask()) : Assert.Throws<MongoConnectionException>(() => call.Result());
        Assert.Contains("socketTimeoutMS=1000", e.Message);
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.9, 4.5);
        Assert.True(MongoReply.IsOk(await client.RunCommandAsync(Cmd("ping", 1), async, default)));
    }

    [Fact]
    public async Task ConnectionRefusedIsAConnectionError()
    {
        using var client = MockMongod.ClientOfAClosedPort(out var port);
        var e = await Assert.ThrowsAsync<MongoConnectionException>(() => client.RunCommandAsync(Cmd("ping", 1), true, default).AsTask());
        Assert.Contains($"127.0.0.1:{port}", e.Message);
        Assert.Throws<MongoConnectionException>(() => client.RunCommandAsync(Cmd("ping", 1), false, default).Result());
    }

    [Fact]
    public async Task ChecksummedRepliesAreVerified()
    {
        using var client = _server.Client();
        var good = await client.RunCommandAsync(Cmd("mockChecksum", "good"), true, default);
        Assert.Equal(true, good["checked"]);
        var e = await Assert.ThrowsAsync<MongoProtocolException>(() => client.RunCommandAsync(Cmd("mockChecksum", "bad"), true, default).AsTask());
        Assert.Contains("checksum", e.Message);
    }

    [Fact]
    public async Task MoreToComeRepliesAreRefused()
    {
        using var client = _server.Client();
        var e = await Assert.ThrowsAsync<MongoProtocolException>(() => client.RunCommandAsync(Cmd("mockMoreToCome", 1), true, default).AsTask());
        Assert.Contains("moreToCome", e.Message);
    }

    [Fact]
    public async Task DocumentSequencesInRepliesBecomeArrays()
    {
        using var client = _server.Client();
        var reply = await client.RunCommandAsync(Cmd("mockSequenceReply", 1), true, default);
        Assert.Equal([0, 1, 2], reply.Get<BsonArray>("items").Cast<BsonDocument>().Select(d => (int)d["i"]!));
    }

    [Fact]
    public async Task SyncAndAsyncSendTheSameBytes()
    {
        using var client = _server.Client();
        var coll = Unique("items");
        await client.InsertManyAsync(coll, Enumerable.Range(1, 12).Select(i => new BsonDocument { { "_id", i } }), 100, true, default);
        await Recorded(client);
        async Task<List<byte[]>> Exchange(bool async)
        {
            var options = new FindOptions(Sort: new BsonDocument { { "_id", -1 } }, BatchSize: 5);
            await Run(client.FindAsync(coll, new BsonDocument { { "_id", 3 } }, options, async, default), async);
            Assert.Equal(12, (await Run(client.FindAsync(coll, new BsonDocument(), options, async, default), async)).Count);
            await Run(client.AggregateAsync(coll, [new BsonDocument { { "$limit", 3 } }], async, default), async);
            return (await Recorded(client)).Select(r => ((BsonBinary)r["raw"]!).Data).ToList();
        }
        var sync = await Exchange(false);
        var asyncBytes = await Exchange(true);
        Assert.Equal(sync.Count, asyncBytes.Count);
        Assert.True(sync.Count >= 3);
        for (var i = 0; i < sync.Count; i++) Assert.Equal(Convert.ToHexString(sync[i]), Convert.ToHexString(asyncBytes[i]));
    }

    [Theory]
    [InlineData("SCRAM-SHA-256")]
    [InlineData("SCRAM-SHA-1")]
    [InlineData(null)]
    public async Task ScramAuthenticatesAgainstTheMockServer(string? mechanism)
    {
        using var secured = new MockMongod("--user ada --password p%40ss:w0rd");
        var options = mechanism is null ? "authSource=admin" : $"authSource=admin&authMechanism={mechanism}";
        using var client = new MongoClient(MongoUrl.Parse($"mongodb://ada:p%2540ss%3Aw0rd@127.0.0.1:{secured.Port}/db?{options}"));
        Assert.True(MongoReply.IsOk(await client.RunCommandAsync(Cmd("ping", 1), true, default)));
        var requests = (await client.RunCommandAsync(Cmd("getRecorded", 1), true, default)).Get<BsonArray>("requests").Cast<BsonDocument>().ToList();
        var start = requests.Single(r => r.Get<string>("command") == "saslStart").Get<BsonDocument>("doc");
        Assert.Equal(mechanism ?? "SCRAM-SHA-256", start["mechanism"]);
        Assert.Equal("admin", start["$db"]);
    }

    [Fact]
    public async Task WrongPasswordIsAnAuthenticationError()
    {
        using var secured = new MockMongod("--user ada --password right");
        using var client = new MongoClient(MongoUrl.Parse($"mongodb://ada:wrong@127.0.0.1:{secured.Port}/db"));
        var e = await Assert.ThrowsAsync<MongoAuthenticationException>(() => client.RunCommandAsync(Cmd("ping", 1), true, default).AsTask());
        Assert.Contains("Authentication failed", e.Message);
    }

    [Fact]
    public async Task AFullPoolMakesWaitersGiveUpAfterWaitQueueTimeout()
    {
        using var client = _server.Client("maxPoolSize=1&waitQueueTimeoutMS=200");
        var busy = client.RunCommandAsync(Cmd("mockSleep", 1500), true, default).AsTask();
        await Task.Delay(300);
        Assert.Equal(1, client.Pool.Stats.InUse);
        var e = Assert.Throws<MongoConnectionException>(() => client.RunCommandAsync(Cmd("ping", 1), false, default).Result());
        Assert.Contains("waitQueueTimeoutMS=200", e.Message);
        await busy;
        Assert.True(MongoReply.IsOk(await client.RunCommandAsync(Cmd("ping", 1), true, default)));
        Assert.Equal(1, client.Pool.Stats.Open);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AServerThatAcceptsButNeverAnswersTheHandshakeFailsWithinConnectTimeout(bool async)
    {
        using var silent = new LiveDash.Tests.Shared.SilentServer();
        using var client = new MongoClient(MongoUrl.Parse($"mongodb://127.0.0.1:{silent.Port}/x?connectTimeoutMS=500"));
        var e = await Assert.ThrowsAsync<MongoConnectionException>(() => Run(client.RunCommandAsync(Cmd("ping", 1), async, default), async));
        Assert.Contains("connectTimeoutMS=500", e.Message);
    }

    [Fact]
    public async Task ABurstOnAnEmptyPoolEstablishesAtMostMaxConnectingAtOnce()
    {
        // A server that accepts and never answers the handshake: every establishment holds its turn until connectTimeoutMS.
        using var silent = new LiveDash.Tests.Shared.SilentServer();
        using var client = new MongoClient(MongoUrl.Parse($"mongodb://127.0.0.1:{silent.Port}/x?maxConnecting=3&connectTimeoutMS=1500&waitQueueTimeoutMS=1000"));

        var pings = Enumerable.Range(0, 10).Select(_ => client.RunCommandAsync(Cmd("ping", 1), true, default).AsTask()).ToList();
        await Task.Delay(700);
        Assert.InRange(silent.Accepted, 1, 3);
        // Those that never got a turn within waitQueueTimeoutMS say so; none hangs.
        var errors = new List<MongoConnectionException>();
        foreach (var ping in pings) errors.Add(await Assert.ThrowsAsync<MongoConnectionException>(() => ping));
        Assert.Contains(errors, e => e.Message.Contains("maxConnecting", StringComparison.Ordinal));
    }

    static async Task<T> Run<T>(ValueTask<T> task, bool async) => async ? await task : task.Result();
}
