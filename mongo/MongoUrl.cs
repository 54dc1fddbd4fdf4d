using System.Globalization;

namespace LiveDash.Mongo;

public enum MongoAuthMechanism { Negotiate, ScramSha1, ScramSha256 }

/// <summary>
/// What LiveDash takes from a <c>mongodb://</c> connection string (specs/connection-string-spec.md).
/// Only the first host is used: LiveDash talks to one server (a standalone or the primary) and does no
/// topology discovery, so a replica-set list is accepted but its other members are ignored.
/// </summary>
public sealed record MongoUrl(
    IReadOnlyList<(string Host, int Port)> Hosts,
    string Database,
    string? UserName,
    string? Password,
    string AuthSource,
    MongoAuthMechanism AuthMechanism,
    int MaxPoolSize,
    int MinPoolSize,
    TimeSpan ConnectTimeout,
    TimeSpan SocketTimeout,
    TimeSpan WaitQueueTimeout,
    string? AppName,
    bool? DirectConnection,
    int MaxConnecting = MongoUrl.DefaultMaxConnecting)
{
    /// <summary>How many connections a pool establishes at once (CMAP's maxConnecting, default 2).</summary>
    public const int DefaultMaxConnecting = 2;
    public const int DefaultPort = 27017;
    public string Host => Hosts[0].Host;
    public int Port => Hosts[0].Port;

    static readonly string[] Supported =
        ["authSource", "maxPoolSize", "minPoolSize", "maxConnecting", "connectTimeoutMS", "socketTimeoutMS", "waitQueueTimeoutMS", "appName", "directConnection", "authMechanism"];

    /// <summary>Parses; every problem is a <see cref="FormatException"/> that names the part at fault (never the password).</summary>
    public static MongoUrl Parse(string connectionString, string defaultDatabase = "livedash", int defaultMaxPoolSize = 100)
    {
        const string scheme = "mongodb://";
        if (connectionString.StartsWith("mongodb+srv://", StringComparison.OrdinalIgnoreCase))
            throw new FormatException("mongodb+srv:// connection strings need DNS SRV and TXT lookups, which LiveDash does not do; use mongodb://host:port instead");
        if (!connectionString.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            throw new FormatException("a MongoDB connection string starts with mongodb://");
        var rest = connectionString[scheme.Length..];

        string? query = null;
        var q = rest.IndexOf('?');
        if (q >= 0) { query = rest[(q + 1)..]; rest = rest[..q]; }
        string? database = null;
        var slash = rest.IndexOf('/');
        if (slash >= 0) { database = Unescape(rest[(slash + 1)..], "database name"); rest = rest[..slash]; }
        else if (query is not null) throw new FormatException("options need a '/' before the '?' (mongodb://host/?option=value)");
        if (database is { Length: > 0 } && database.IndexOfAny(['/', '\\', ' ', '"', '$', '.']) >= 0)
            throw new FormatException($"database name '{database}' contains a character MongoDB does not allow");

        string? user = null, password = null;
        var at = rest.LastIndexOf('@');
        if (at >= 0)
        {
            var userInfo = rest[..at];
            rest = rest[(at + 1)..];
            var colon = userInfo.IndexOf(':');
            var rawUser = colon >= 0 ? userInfo[..colon] : userInfo;
            var rawPassword = colon >= 0 ? userInfo[(colon + 1)..] : null;
            if (rawUser.IndexOfAny([':', '/', '?', '#', '[', ']', '@']) >= 0 || rawPassword?.IndexOfAny([':', '/', '?', '#', '[', ']', '@']) >= 0)
                throw new FormatException("the user name or password contains a reserved character (: / ? # [ ] @); percent-encode it");
            user = Unescape(rawUser, "user name");
            password = rawPassword is null ? null : Unescape(rawPassword, "password");
            if (user.Length == 0) throw new FormatException("the user name is empty");
        }

        if (rest.Length == 0) throw new FormatException("no host in the connection string");
        var hosts = rest.Split(',').Select(ParseHost).ToList();

        var options = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in (query ?? "").Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0) throw new FormatException($"option '{pair}' has no value (expected name=value)");
            var key = Unescape(pair[..eq], "option name");
            if (!Supported.Contains(key, StringComparer.OrdinalIgnoreCase))
                throw new FormatException($"option '{key}' is not supported by LiveDash's MongoDB client; supported: {string.Join(", ", Supported)}");
            if (!options.TryAdd(key, Unescape(pair[(eq + 1)..], $"option {key}")))
                throw new FormatException($"option '{key}' is given more than once");
        }

        var mechanism = options.TryGetValue("authMechanism", out var m)
            ? m.ToUpperInvariant() switch
            {
                "SCRAM-SHA-1" => MongoAuthMechanism.ScramSha1,
                "SCRAM-SHA-256" => MongoAuthMechanism.ScramSha256,
                _ => throw new FormatException($"authMechanism '{m}' is not supported; use SCRAM-SHA-256 or SCRAM-SHA-1"),
            }
            : MongoAuthMechanism.Negotiate;
        if (mechanism != MongoAuthMechanism.Negotiate && user is null) throw new FormatException("authMechanism is set but the connection string has no user name");
        if (user is not null && password is null) throw new FormatException("SCRAM authentication needs a password (mongodb://user:password@host/)");
        if (options.TryGetValue("authSource", out var authSource) && authSource.Length == 0) throw new FormatException("authSource is empty");

        var maxPool = Int(options, "maxPoolSize", defaultMaxPoolSize, min: 0);
        var minPool = Int(options, "minPoolSize", 0, min: 0);
        if (maxPool == 0) throw new FormatException("maxPoolSize=0 (unlimited) is not supported; give a number of connections");
        if (minPool > maxPool) throw new FormatException($"minPoolSize ({minPool}) is larger than maxPoolSize ({maxPool})");
        var maxConnecting = Int(options, "maxConnecting", DefaultMaxConnecting, min: 1);
        bool? direct = options.TryGetValue("directConnection", out var d)
            ? d switch { "true" => true, "false" => false, _ => throw new FormatException($"directConnection must be true or false, got '{d}'") }
            : null;
        if (direct == true && hosts.Count > 1) throw new FormatException("directConnection=true needs exactly one host");

        return new MongoUrl(hosts, database is { Length: > 0 } ? database : defaultDatabase, user, password,
            authSource ?? (database is { Length: > 0 } ? database : "admin"), mechanism, maxPool, minPool,
            Millis(options, "connectTimeoutMS", 10_000), Millis(options, "socketTimeoutMS", 0), Millis(options, "waitQueueTimeoutMS", 10_000),
            options.GetValueOrDefault("appName"), direct, maxConnecting);
    }

    static (string Host, int Port) ParseHost(string text)
    {
        if (text.Length == 0) throw new FormatException("empty host in the host list");
        string host;
        string? port = null;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']');
            if (close < 0) throw new FormatException($"IPv6 host '{text}' has no closing ']'");
            host = text[1..close];
            if (close + 1 < text.Length)
            {
                if (text[close + 1] != ':') throw new FormatException($"unexpected text after IPv6 host '{text}'");
                port = text[(close + 2)..];
            }
        }
        else
        {
            var colon = text.IndexOf(':');
            host = colon >= 0 ? text[..colon] : text;
            port = colon >= 0 ? text[(colon + 1)..] : null;
        }
        host = Unescape(host, "host");
        if (host.Length == 0) throw new FormatException($"host '{text}' has no name");
        if (host.EndsWith(".sock", StringComparison.Ordinal)) throw new FormatException("Unix domain sockets are not supported; use host:port");
        if (port is null) return (host, DefaultPort);
        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p is < 1 or > 65535)
            throw new FormatException($"port '{port}' of host '{host}' is not a number from 1 to 65535");
        return (host, p);
    }

    static int Int(Dictionary<string, string> options, string key, int fallback, int min)
    {
        if (!options.TryGetValue(key, out var text)) return fallback;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min)
            throw new FormatException($"{key} must be a whole number >= {min}, got '{text}'");
        return value;
    }

    /// <summary>0 means no timeout, as the spec defines for these options.</summary>
    static TimeSpan Millis(Dictionary<string, string> options, string key, int fallback)
    {
        var ms = Int(options, key, fallback, 0);
        return ms == 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(ms);
    }

    static string Unescape(string text, string what)
    {
        for (var i = text.IndexOf('%'); i >= 0; i = text.IndexOf('%', i + 1))
            if (i + 2 >= text.Length || !Uri.IsHexDigit(text[i + 1]) || !Uri.IsHexDigit(text[i + 2]))
                throw new FormatException($"the {what} has an invalid percent-escape");
        return Uri.UnescapeDataString(text);
    }

    /// <summary>For logs and the health page: everything except the password.</summary>
    public override string ToString() =>
        $"mongodb://{(UserName is null ? "" : Uri.EscapeDataString(UserName) + ":***@")}{string.Join(',', Hosts.Select(h => $"{h.Host}:{h.Port}"))}/{Database}";
}
