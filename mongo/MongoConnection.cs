using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;

namespace LiveDash.Mongo;

/// <summary>What the handshake reply told us about the server.</summary>
sealed record MongoServerDescription(int MaxWireVersion, int MaxMessageSizeBytes, int MaxBsonObjectSize, int MaxWriteBatchSize);

/// <summary>
/// One TCP connection speaking OP_MSG. Every operation takes <c>async</c>: false runs blocking Socket
/// calls on the caller's thread (the returned ValueTask is already complete), true awaits the
/// socket's async calls. One code path, so Sync and Async send the same bytes (Npgsql's pattern).
/// Any I/O or protocol failure marks the connection broken; the pool then discards it.
/// </summary>
sealed class MongoConnection : IDisposable
{
    public const int MinWireVersion = 6; // MongoDB 3.6: the first with OP_MSG
    const int DefaultMaxMessageSize = 48_000_000;

    static readonly string DriverVersion = typeof(MongoConnection).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0";

    readonly Socket _socket;
    readonly NetworkStream _stream;
    readonly MongoUrl _url;
    readonly BsonBuffer _request = new(1024);
    readonly byte[] _header = new byte[OpMsg.HeaderLength];
    // While the connection is being established (handshake, authentication) every wait is bounded by connectTimeoutMS,
    // as the pooling spec has it: a server that accepts and never answers must not hold a checkout for ever.
    // Afterwards, by socketTimeoutMS.
    bool _established;
    TimeSpan WaitLimit => _established ? _url.SocketTimeout : _url.ConnectTimeout;

    MongoConnection(Socket socket, MongoUrl url, int generation)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _url = url;
        Generation = generation;
    }

    void Established()
    {
        _established = true;
        SetSocketTimeouts(_socket, _url.SocketTimeout);
    }

    /// <summary>These bound the blocking Send/Receive calls of the sync path; the async path uses a cancellation timer.</summary>
    static void SetSocketTimeouts(Socket socket, TimeSpan timeout)
    {
        var ms = timeout == Timeout.InfiniteTimeSpan ? 0 : (int)Math.Max(1, timeout.TotalMilliseconds);
        socket.ReceiveTimeout = ms;
        socket.SendTimeout = ms;
    }

    public int Generation { get; }
    public bool IsBroken { get; private set; }
    public MongoServerDescription Server { get; private set; } = new(0, DefaultMaxMessageSize, 16 * 1024 * 1024, 100_000);

    /// <summary>Connects, performs the handshake and authenticates; the connection is ready for commands.</summary>
    public static async ValueTask<MongoConnection> OpenAsync(MongoUrl url, int generation, bool async, CancellationToken ct)
    {
        var socket = await ConnectAsync(url, async, ct).ConfigureAwait(false);
        var connection = new MongoConnection(socket, url, generation);
        try
        {
            await connection.HandshakeAsync(async, ct).ConfigureAwait(false);
            if (url.UserName is not null) await connection.AuthenticateAsync(async, ct).ConfigureAwait(false);
            connection.Established();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    static async ValueTask<Socket> ConnectAsync(MongoUrl url, bool async, CancellationToken ct)
    {
        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(url.Host, out var ip) ? [ip]
                : async ? await Dns.GetHostAddressesAsync(url.Host, ct).ConfigureAwait(false) : Dns.GetHostAddresses(url.Host);
        }
        catch (SocketException e)
        {
            throw new MongoConnectionException($"cannot resolve MongoDB host '{url.Host}': {e.Message}", e);
        }
        Exception? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                var endpoint = new IPEndPoint(address, url.Port);
                if (async)
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    timeout.CancelAfter(url.ConnectTimeout);
                    try { await socket.ConnectAsync(endpoint, timeout.Token).ConfigureAwait(false); }
                    catch (OperationCanceledException) when (!ct.IsCancellationRequested) { throw new TimeoutException($"connectTimeoutMS={url.ConnectTimeout.TotalMilliseconds:F0} elapsed"); }
                }
                else
                {
                    ConnectBlocking(socket, endpoint, url.ConnectTimeout);
                }
                SetSocketTimeouts(socket, url.ConnectTimeout);
                return socket;
            }
            catch (Exception e) when (e is SocketException or TimeoutException)
            {
                socket.Dispose();
                last = e;
            }
        }
        throw new MongoConnectionException($"cannot connect to MongoDB at {url.Host}:{url.Port}: {last?.Message ?? "no address"}", last);
    }

    /// <summary>Socket.Connect has no timeout: start it non-blocking and block in poll(2) for at most the timeout.</summary>
    static void ConnectBlocking(Socket socket, EndPoint endpoint, TimeSpan timeout)
    {
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            socket.Connect(endpoint);
            return;
        }
        socket.Blocking = false;
        try
        {
            socket.Connect(endpoint);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
        {
            var micros = (int)Math.Min(int.MaxValue, timeout.TotalMicroseconds);
            if (!socket.Poll(micros, SelectMode.SelectWrite) && !socket.Poll(0, SelectMode.SelectError))
                throw new TimeoutException($"connectTimeoutMS={timeout.TotalMilliseconds:F0} elapsed");
            var error = (int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!;
            if (error != 0) throw new SocketException(error);
        }
        socket.Blocking = true;
    }

    async ValueTask HandshakeAsync(bool async, CancellationToken ct)
    {
        // specs/handshake.md: without a server API version the first message is legacy hello (isMaster) with helloOk,
        // which every server with OP_MSG understands, unlike "hello" (4.4.2+). No "backpressure" field:
        // LiveDash does not implement the client backpressure spec, and servers whose hello is strict refuse it.
        var hello = new BsonDocument
        {
            { "isMaster", 1 },
            { "helloOk", true },
            { "client", ClientMetadata(_url.AppName) },
        };
        if (_url.UserName is not null && _url.AuthMechanism == MongoAuthMechanism.Negotiate)
            hello.Add("saslSupportedMechs", $"{_url.AuthSource}.{_url.UserName}");
        var reply = await RunAsync("admin", hello, null, async, ct).ConfigureAwait(false);
        if (!MongoReply.IsOk(reply))
            throw new MongoConnectionException($"the MongoDB handshake with {_url.Host}:{_url.Port} failed: {MongoReply.ErrorMessage(reply)}");
        var maxWire = MongoReply.Int(reply, "maxWireVersion", 0);
        if (maxWire < MinWireVersion)
            throw new MongoConnectionException($"the server at {_url.Host}:{_url.Port} has maxWireVersion {maxWire}; LiveDash needs {MinWireVersion} or later (MongoDB 3.6+, OP_MSG)");
        Server = new MongoServerDescription(maxWire, MongoReply.Int(reply, "maxMessageSizeBytes", DefaultMaxMessageSize),
            MongoReply.Int(reply, "maxBsonObjectSize", 16 * 1024 * 1024), MongoReply.Int(reply, "maxWriteBatchSize", 100_000));
        _saslSupportedMechs = reply.TryGetValue("saslSupportedMechs", out var mechs) && mechs is BsonArray list ? list.OfType<string>().ToList() : [];
    }

    List<string> _saslSupportedMechs = [];

    internal static BsonDocument ClientMetadata(string? appName)
    {
        var metadata = new BsonDocument();
        if (appName is not null)
        {
            if (Encoding.UTF8.GetByteCount(appName) > 128) throw new FormatException("appName is longer than 128 bytes");
            metadata.Add("application", new BsonDocument { { "name", appName } });
        }
        metadata.Add("driver", new BsonDocument { { "name", "LiveDash" }, { "version", DriverVersion } });
        var osType = OperatingSystem.IsLinux() ? "Linux" : OperatingSystem.IsMacOS() ? "Darwin" : OperatingSystem.IsWindows() ? "Windows" : "unknown";
        metadata.Add("os", new BsonDocument
        {
            { "type", osType },
            { "name", RuntimeInformation.OSDescription },
            { "architecture", RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant() },
        });
        metadata.Add("platform", RuntimeInformation.FrameworkDescription);
        return metadata;
    }

    async ValueTask AuthenticateAsync(bool async, CancellationToken ct)
    {
        var mechanism = _url.AuthMechanism != MongoAuthMechanism.Negotiate ? _url.AuthMechanism
            : _saslSupportedMechs.Contains("SCRAM-SHA-256") ? MongoAuthMechanism.ScramSha256 : MongoAuthMechanism.ScramSha1;
        var scram = new ScramClient(mechanism, _url.UserName!, _url.Password ?? "");
        var reply = await AuthStep(new BsonDocument
        {
            { "saslStart", 1 },
            { "mechanism", scram.MechanismName },
            { "payload", new BsonBinary(0, Encoding.UTF8.GetBytes(scram.ClientFirst())) },
            { "options", new BsonDocument { { "skipEmptyExchange", true } } },
        }, scram, async, ct).ConfigureAwait(false);
        var conversationId = reply["conversationId"];
        reply = await AuthStep(SaslContinue(conversationId, Encoding.UTF8.GetBytes(scram.ClientFinal(Payload(reply)))), scram, async, ct).ConfigureAwait(false);
        scram.VerifyServerFinal(Payload(reply));
        // Servers that ignore skipEmptyExchange want one more, empty, round.
        for (var round = 0; !(reply.TryGetValue("done", out var done) && done is true); round++)
        {
            if (round == 2) throw new MongoAuthenticationException("the server did not finish the SCRAM conversation");
            reply = await AuthStep(SaslContinue(conversationId, []), scram, async, ct).ConfigureAwait(false);
        }
    }

    static BsonDocument SaslContinue(object? conversationId, byte[] payload) => new()
    {
        { "saslContinue", 1 },
        { "conversationId", conversationId },
        { "payload", new BsonBinary(0, payload) },
    };

    async ValueTask<BsonDocument> AuthStep(BsonDocument command, ScramClient scram, bool async, CancellationToken ct)
    {
        var reply = await RunAsync(_url.AuthSource, command, null, async, ct).ConfigureAwait(false);
        if (!MongoReply.IsOk(reply))
            throw new MongoAuthenticationException($"MongoDB authentication of user '{_url.UserName}' on database '{_url.AuthSource}' with {scram.MechanismName} failed: {MongoReply.ErrorMessage(reply)}");
        return reply;
    }

    static string Payload(BsonDocument reply) =>
        reply.TryGetValue("payload", out var p) && p is BsonBinary bin ? Encoding.UTF8.GetString(bin.Data)
            : throw new MongoAuthenticationException("the server's SASL reply has no binary payload");

    /// <summary>Sends one command to <paramref name="database"/> and returns the reply body, <c>ok: 0</c> included.</summary>
    public async ValueTask<BsonDocument> RunAsync(string database, BsonDocument command, DocumentSequence? sequence, bool async, CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(IsBroken, this);
        command.Set("$db", database);
        var requestId = OpMsg.NextRequestId();
        OpMsg.WriteRequest(_request, requestId, command, sequence);
        if (_request.Length > Server.MaxMessageSizeBytes)
            throw new InvalidOperationException($"the command is {_request.Length} bytes; the server accepts at most {Server.MaxMessageSizeBytes}");

        byte[]? message = null;
        CancellationTokenSource? timer = null;
        var phase = "sending the command";
        try
        {
            if (async)
            {
                var token = ct;
                if (WaitLimit != Timeout.InfiniteTimeSpan)
                {
                    timer = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    timer.CancelAfter(WaitLimit);
                    token = timer.Token;
                }
                await _stream.WriteAsync(_request.WrittenMemory, token).ConfigureAwait(false);
                phase = "waiting for the reply";
                await _stream.ReadExactlyAsync(_header, token).ConfigureAwait(false);
                var length = OpMsg.ReadHeader(_header, requestId, Server.MaxMessageSizeBytes);
                message = ArrayPool<byte>.Shared.Rent(length);
                _header.CopyTo(message, 0);
                phase = "reading the reply";
                await _stream.ReadExactlyAsync(message.AsMemory(OpMsg.HeaderLength, length - OpMsg.HeaderLength), token).ConfigureAwait(false);
                return OpMsg.ParseReply(message.AsSpan(0, length));
            }
            else
            {
                _stream.Write(_request.WrittenSpan);
                phase = "waiting for the reply";
                _stream.ReadExactly(_header);
                var length = OpMsg.ReadHeader(_header, requestId, Server.MaxMessageSizeBytes);
                message = ArrayPool<byte>.Shared.Rent(length);
                _header.CopyTo(message, 0);
                phase = "reading the reply";
                _stream.ReadExactly(message.AsSpan(OpMsg.HeaderLength, length - OpMsg.HeaderLength));
                return OpMsg.ParseReply(message.AsSpan(0, length));
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or MongoProtocolException)
        {
            Dispose();
            if (e is OperationCanceledException && ct.IsCancellationRequested) throw;
            if (e is MongoProtocolException) throw;
            throw Translate(e, phase);
        }
        finally
        {
            if (message is not null) ArrayPool<byte>.Shared.Return(message);
            timer?.Dispose();
        }
    }

    MongoConnectionException Translate(Exception e, string phase)
    {
        var where = $"{_url.Host}:{_url.Port}";
        var timedOut = e is OperationCanceledException
            || (e.InnerException ?? e) is SocketException { SocketErrorCode: SocketError.TimedOut or SocketError.WouldBlock };
        if (timedOut)
            return new MongoConnectionException($"MongoDB at {where} did not answer within {(_established ? "socketTimeoutMS" : "connectTimeoutMS")}={WaitLimit.TotalMilliseconds:F0} while {phase}", e);
        if (e is EndOfStreamException)
            return new MongoConnectionException(phase == "reading the reply"
                ? $"MongoDB at {where} closed the connection in the middle of a reply"
                : $"MongoDB at {where} closed the connection while LiveDash was {phase}", e);
        return new MongoConnectionException($"the connection to MongoDB at {where} failed while {phase}: {e.Message}", e);
    }

    public void Dispose()
    {
        if (IsBroken) return;
        IsBroken = true;
        _stream.Dispose();
        _request.Dispose();
    }
}

/// <summary>Reading the common fields of command replies.</summary>
public static class MongoReply
{
    public static bool IsOk(BsonDocument reply) => reply.TryGetValue("ok", out var ok) && ok switch
    {
        double d => d == 1,
        int i => i == 1,
        long l => l == 1,
        bool b => b,
        _ => false,
    };

    public static string ErrorMessage(BsonDocument reply) =>
        reply.TryGetValue("errmsg", out var m) && m is string s ? s : "no error message";

    public static int Int(BsonDocument doc, string name, int fallback) =>
        doc.TryGetValue(name, out var v) ? (int)Long(v, name) : fallback;

    public static long Long(object? value, string name) => value switch
    {
        int i => i,
        long l => l,
        double d when d == Math.Floor(d) => (long)d,
        _ => throw new MongoProtocolException($"field '{name}' is {BsonValues.Describe(value)}, expected a whole number"),
    };
}
