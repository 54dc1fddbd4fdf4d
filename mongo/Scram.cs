using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace LiveDash.Mongo;

/// <summary>
/// The client side of SCRAM-SHA-1 / SCRAM-SHA-256 (RFC 5802, RFC 7677) as specs/auth.md profiles it:
/// no channel binding ("n,,"), user names not SASLprep'd, SHA-1 uses MongoDB's MD5 password digest,
/// SHA-256 SASLprep's the password, iteration count at least 4096, salted passwords cached.
/// </summary>
sealed class ScramClient
{
    const int MinIterations = 4096;
    static readonly ConcurrentDictionary<(string Mechanism, string Password, string Salt, int Iterations), byte[]> SaltedPasswords = new();

    readonly MongoAuthMechanism _mechanism;
    readonly string _user;
    readonly string _password;
    readonly string _clientNonce;
    string? _clientFirstBare;
    byte[]? _expectedServerSignature;

    public ScramClient(MongoAuthMechanism mechanism, string user, string password, string? clientNonce = null)
    {
        if (mechanism is not (MongoAuthMechanism.ScramSha1 or MongoAuthMechanism.ScramSha256)) throw new ArgumentOutOfRangeException(nameof(mechanism));
        _mechanism = mechanism;
        _user = user;
        _password = mechanism == MongoAuthMechanism.ScramSha1
            ? Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(user + ":mongo:" + password)))
            : SaslPrep(password);
        _clientNonce = clientNonce ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
    }

    public string MechanismName => _mechanism == MongoAuthMechanism.ScramSha1 ? "SCRAM-SHA-1" : "SCRAM-SHA-256";

    public string ClientFirst()
    {
        _clientFirstBare = $"n={_user.Replace("=", "=3D").Replace(",", "=2C")},r={_clientNonce}";
        return "n,," + _clientFirstBare;
    }

    public string ClientFinal(string serverFirst)
    {
        if (_clientFirstBare is null) throw new InvalidOperationException("ClientFirst must come first");
        var fields = ParseFields(serverFirst);
        if (fields.ContainsKey('m')) throw new MongoAuthenticationException("the server asked for a SCRAM extension LiveDash does not support");
        var nonce = Required(fields, 'r');
        if (!nonce.StartsWith(_clientNonce, StringComparison.Ordinal) || nonce.Length == _clientNonce.Length)
            throw new MongoAuthenticationException("the server's SCRAM nonce does not extend ours");
        var salt = Required(fields, 's');
        if (!int.TryParse(Required(fields, 'i'), NumberStyles.None, CultureInfo.InvariantCulture, out var iterations))
            throw new MongoAuthenticationException("the server's SCRAM iteration count is not a number");
        if (iterations < MinIterations) throw new MongoAuthenticationException($"the server asked for {iterations} SCRAM iterations; at least {MinIterations} are required");

        var salted = SaltedPasswords.GetOrAdd((MechanismName, _password, salt, iterations), key =>
            Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(key.Password), Convert.FromBase64String(key.Salt), key.Iterations, HashName, HashSize));
        var clientKey = Hmac(salted, "Client Key");
        var storedKey = _mechanism == MongoAuthMechanism.ScramSha1 ? SHA1.HashData(clientKey) : SHA256.HashData(clientKey);
        var withoutProof = "c=biws,r=" + nonce;
        var authMessage = $"{_clientFirstBare},{serverFirst},{withoutProof}";
        var signature = Hmac(storedKey, authMessage);
        var proof = new byte[clientKey.Length];
        for (var i = 0; i < proof.Length; i++) proof[i] = (byte)(clientKey[i] ^ signature[i]);
        _expectedServerSignature = Hmac(Hmac(salted, "Server Key"), authMessage);
        return withoutProof + ",p=" + Convert.ToBase64String(proof);
    }

    /// <summary>Checks the server proved it knows the password too.</summary>
    public void VerifyServerFinal(string serverFinal)
    {
        var fields = ParseFields(serverFinal);
        if (fields.TryGetValue('e', out var error)) throw new MongoAuthenticationException($"the server rejected SCRAM authentication: {error}");
        if (_expectedServerSignature is null || !CryptographicOperations.FixedTimeEquals(Convert.FromBase64String(Required(fields, 'v')), _expectedServerSignature))
            throw new MongoAuthenticationException("the server's SCRAM signature is wrong: it does not know the password (or the reply was tampered with)");
    }

    HashAlgorithmName HashName => _mechanism == MongoAuthMechanism.ScramSha1 ? HashAlgorithmName.SHA1 : HashAlgorithmName.SHA256;
    int HashSize => _mechanism == MongoAuthMechanism.ScramSha1 ? 20 : 32;

    byte[] Hmac(byte[] key, string text) => _mechanism == MongoAuthMechanism.ScramSha1
        ? HMACSHA1.HashData(key, Encoding.UTF8.GetBytes(text))
        : HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(text));

    static Dictionary<char, string> ParseFields(string message)
    {
        var fields = new Dictionary<char, string>();
        foreach (var part in message.Split(','))
        {
            if (part.Length < 2 || part[1] != '=') throw new MongoAuthenticationException($"malformed SCRAM message from the server");
            fields[part[0]] = part[2..];
        }
        return fields;
    }

    static string Required(Dictionary<char, string> fields, char key) =>
        fields.TryGetValue(key, out var value) ? value : throw new MongoAuthenticationException($"the server's SCRAM message has no '{key}=' field");

    /// <summary>
    /// SASLprep (RFC 4013) for passwords: non-ASCII spaces become spaces, "mapped to nothing" characters go,
    /// NFKC, then prohibited characters are refused. (The bidirectional-text check is left out.) Under
    /// InvariantGlobalization (this repository's setting) .NET cannot normalise, so NFKC is a no-op there:
    /// non-ASCII passwords must already be in NFKC form, as typed composed text almost always is.
    /// </summary>
    public static string SaslPrep(string value)
    {
        if (value.All(c => c is >= ' ' and <= '~')) return value;
        var mapped = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (IsMappedToNothing(c)) continue;
            mapped.Append(IsNonAsciiSpace(c) ? ' ' : c);
        }
        var normalized = mapped.ToString().Normalize(NormalizationForm.FormKC);
        for (var i = 0; i < normalized.Length; i++)
        {
            var c = normalized[i];
            if (char.IsControl(c) || IsNonAsciiSpace(c) || c is >= '\uE000' and <= '\uF8FF' || c is '\uFFFE' or '\uFFFF' || c is >= '\uFFF9' and <= '\uFFFD'
                || (char.IsSurrogate(c) && !char.IsSurrogatePair(normalized, i - (char.IsLowSurrogate(c) && i > 0 ? 1 : 0))))
                throw new MongoAuthenticationException("the password contains a character SASLprep prohibits");
        }
        return normalized;
    }

    static bool IsMappedToNothing(char c) => c is '\u00AD' or '\u034F' or '\u1806' or (>= '\u180B' and <= '\u180D') or (>= '\u200B' and <= '\u200D') or '\u2060' or (>= '\uFE00' and <= '\uFE0F') or '\uFEFF';

    static bool IsNonAsciiSpace(char c) => c is '\u00A0' or '\u1680' or (>= '\u2000' and <= '\u200B') or '\u202F' or '\u205F' or '\u3000';
}
