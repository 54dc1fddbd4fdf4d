namespace LiveDash.Mongo;

/// <summary>
/// The server could not be reached, hung up, timed out or broke the protocol: the connection is discarded and
/// the pool heals. The caller decides what that means for its users (LiveDash's store answers 503).
/// </summary>
public class MongoConnectionException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The server sent bytes that are not a valid reply; the connection is discarded.</summary>
public sealed class MongoProtocolException(string message, Exception? inner = null) : MongoConnectionException(message, inner);

public sealed class MongoAuthenticationException(string message, Exception? inner = null) : MongoConnectionException(message, inner);

/// <summary>The server answered <c>ok: 0</c>, or reported write errors.</summary>
public sealed class MongoCommandException(string command, int code, string codeName, string errorMessage)
    : Exception($"MongoDB {command} failed: {errorMessage} (code {code}{(codeName.Length > 0 ? " " + codeName : "")})")
{
    public string Command { get; } = command;
    public int Code { get; } = code;
    public string CodeName { get; } = codeName;
    public string ErrorMessage { get; } = errorMessage;
}
