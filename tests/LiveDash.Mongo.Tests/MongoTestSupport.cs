using System.Diagnostics;

namespace LiveDash.Mongo.Tests;

static class MongoTestPaths
{
    public static string RepoRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "LiveDash.sln"))) return dir.FullName;
            throw new InvalidOperationException($"LiveDash.sln not found above {AppContext.BaseDirectory}");
        }
    }

    /// <summary>
    /// The BSON corpus, restored from the npm package mongodb-extjson (pinned in scripts/npm-pins.json) into the
    /// git-ignored tests/.reference/bson-corpus by scripts/restore-libs.py, which `./livedash test` runs first.
    /// </summary>
    public static string BsonCorpus
    {
        get
        {
            var dir = Path.Combine(RepoRoot, "tests", ".reference", "bson-corpus");
            if (!Directory.Exists(dir) || Directory.GetFiles(dir, "*.json").Length == 0)
                throw new InvalidOperationException($"The BSON corpus is missing: expected its *.json files in {dir}. " +
                    "Restore it with `python3 scripts/restore-libs.py` (`./livedash test` does this before the tests).");
            return dir;
        }
    }

    /// <summary>
    /// Debian's python3-pymongo and python3-mockupdb are installed for Debian's interpreter; a python3 earlier
    /// on PATH (pyenv, venv) may not see them. LIVEDASH_PYTHON overrides.
    /// </summary>
    public static string Python =>
        Environment.GetEnvironmentVariable("LIVEDASH_PYTHON") is { Length: > 0 } configured ? configured
        : File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    public static string Script(string name) => Path.Combine(AppContext.BaseDirectory, name);

    public static Process StartPython(string script, string arguments = "")
    {
        var info = new ProcessStartInfo(Python, $"\"{Script(script)}\" {arguments}")
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
}

/// <summary>mock_mongod.py (MockupDB) as a child process on a free port; closing its stdin stops it.</summary>
public sealed class MockMongod : IDisposable
{
    readonly Process _process;
    readonly Task<string> _stderr;

    public MockMongod() : this("") { }

    internal MockMongod(string arguments)
    {
        _process = MongoTestPaths.StartPython("mock_mongod.py", arguments);
        _stderr = _process.StandardError.ReadToEndAsync();
        var line = _process.StandardOutput.ReadLine();
        if (!int.TryParse(line, out var port))
        {
            _process.WaitForExit(5000);
            throw new InvalidOperationException($"mock_mongod.py did not print its port (got '{line}'): {(_stderr.IsCompleted ? _stderr.Result : "")}");
        }
        Port = port;
    }

    public int Port { get; }

    public string ConnectionString(string options = "") => $"mongodb://127.0.0.1:{Port}/livedash_test{(options.Length > 0 ? "?" + options : "")}";

    public MongoClient Client(string options = "") => new(MongoUrl.Parse(ConnectionString(options)));

    /// <summary>A client of a local port nobody listens on (it was free a moment ago): every command is refused.</summary>
    public static MongoClient ClientOfAClosedPort(out int port)
    {
        using (var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        }
        return new MongoClient(MongoUrl.Parse($"mongodb://127.0.0.1:{port}/x?connectTimeoutMS=1000"));
    }

    bool _disposed;

    public void Dispose()
    {
        // WebApplicationFactory disposes twice (DisposeAsync, then Dispose).
        if (_disposed) return;
        _disposed = true;
        try { _process.StandardInput.Close(); } catch (IOException) { }
        if (!_process.WaitForExit(10_000)) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
