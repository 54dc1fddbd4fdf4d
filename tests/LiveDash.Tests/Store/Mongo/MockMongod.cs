using System.Diagnostics;
using MongoDB.Bson;
using MongoDB.Driver;

namespace LiveDash.Tests.Store.Mongo;

/// <summary>
/// mock_mongod.py (a MockupDB stand-in for MongoDB, not a MongoDB) as a child process; closing its stdin stops it.
/// With a state file, a stopped mock can be started again on the same port holding the same collections: an outage.
/// </summary>
public sealed class MockMongod : IDisposable
{
    readonly Process _process;
    readonly Task<string> _stderr;
    bool _disposed;

    public MockMongod(int port = 0, string? stateFile = null)
    {
        var arguments = $"--port {port}" + (stateFile is null ? "" : $" --state \"{stateFile}\"");
        _process = StartPython(Path.Combine(AppContext.BaseDirectory, "mock_mongod.py"), arguments);
        _stderr = _process.StandardError.ReadToEndAsync();
        var line = _process.StandardOutput.ReadLine();
        if (!int.TryParse(line, out var bound))
        {
            _process.WaitForExit(5000);
            throw new InvalidOperationException($"mock_mongod.py did not print its port (got '{line}'): {(_stderr.IsCompleted ? _stderr.Result : "")}");
        }
        Port = bound;
    }

    public int Port { get; }

    public string ConnectionString(string options = "") => $"mongodb://127.0.0.1:{Port}/livedash_test{(options.Length > 0 ? "?" + options : "")}";

    /// <summary>The requests the mock received since the last call (opcode, command, doc), oldest first.</summary>
    public List<BsonDocument> Recorded() => GetRecorded("requests");

    /// <summary>Every connection's handshake since the mock started (opcode, command, doc with the client metadata).</summary>
    public List<BsonDocument> Handshakes() => GetRecorded("handshakes");

    List<BsonDocument> GetRecorded(string part)
    {
        var client = new MongoClient(ConnectionString("appName=recorder"));
        try
        {
            var reply = client.GetDatabase("admin").RunCommand<BsonDocument>(new BsonDocument("getRecorded", 1));
            return reply[part].AsBsonArray.Select(r => r.AsBsonDocument).ToList();
        }
        finally { client.Dispose(); }
    }

    /// <summary>Refuse (false) or honour (true) server-side JavaScript, as a server with or without --noscripting.</summary>
    public void JavaScript(bool enabled)
    {
        using var client = new MongoClient(ConnectionString("appName=switch"));
        client.GetDatabase("admin").RunCommand<BsonDocument>(new BsonDocument("mockJavaScript", enabled));
    }

    /// <summary>
    /// Debian's python3-pymongo and python3-mockupdb are installed for Debian's interpreter; a python3 earlier on
    /// PATH (pyenv, venv) may not see them. LIVEDASH_PYTHON overrides.
    /// </summary>
    static string Python =>
        Environment.GetEnvironmentVariable("LIVEDASH_PYTHON") is { Length: > 0 } configured ? configured
        : File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    static Process StartPython(string script, string arguments)
    {
        var info = new ProcessStartInfo(Python, $"\"{script}\" {arguments}")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        try { return Process.Start(info)!; }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"cannot run {Python} (install Debian's python3 with python3-pymongo python3-mockupdb, or set LIVEDASH_PYTHON): {e.Message}", e);
        }
    }

    public void Dispose()
    {
        // WebApplicationFactory disposes twice (DisposeAsync, then Dispose).
        if (_disposed) return;
        _disposed = true;
        try { _process.StandardInput.Close(); } catch (IOException) { }
        if (!_process.WaitForExit(20_000)) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
