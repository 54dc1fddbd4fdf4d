using System.Security.Cryptography;
using System.Text;

namespace LiveDash.Admin;

/// <summary>
/// The admin secret: LIVEDASH_ADMIN_PASSWORD (or LiveDash:AdminPassword), else generated on first
/// start and kept in .livedash/admin-password (0600), printed once.
/// </summary>
public sealed class AdminPassword
{
    public const string UserName = "admin";
    readonly byte[] _expected;

    public AdminPassword(IConfiguration config, IHostEnvironment env, ILogger<AdminPassword> logger)
    {
        var fromConfig = Environment.GetEnvironmentVariable("LIVEDASH_ADMIN_PASSWORD") is { Length: > 0 } e ? e : config["LiveDash:AdminPassword"];
        if (!string.IsNullOrEmpty(fromConfig))
        {
            Source = "LIVEDASH_ADMIN_PASSWORD";
            _expected = Encoding.UTF8.GetBytes(fromConfig);
            return;
        }
        var path = Path.Combine(StateDirectory.Resolve(config, env), "admin-password");
        Source = path;
        if (File.Exists(path))
        {
            _expected = Encoding.UTF8.GetBytes(File.ReadAllText(path).Trim());
            return;
        }
        var generated = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('+', '-').Replace('/', '_');
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var file = new FileStream(path, options))
        using (var writer = new StreamWriter(file))
        {
            writer.WriteLine(generated);
        }
        _expected = Encoding.UTF8.GetBytes(generated);
        logger.LogWarning("Admin password (user 'admin') generated and saved to {Path}: {Password}", path, generated);
        Console.WriteLine($"LiveDash admin password (user 'admin'): {generated}  (saved in {path}; set LIVEDASH_ADMIN_PASSWORD to choose your own)");
    }

    /// <summary>Where the password came from, for messages (never the password itself).</summary>
    public string Source { get; }

    public bool Matches(string? candidate) =>
        candidate is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(candidate), _expected);
}

public static class StateDirectory
{
    /// <summary>LiveDash:StateDir, else .livedash/ at the repository root (found by LiveDash.sln), else beside the app.</summary>
    public static string Resolve(IConfiguration config, IHostEnvironment env)
    {
        if (config["LiveDash:StateDir"] is { Length: > 0 } configured) return Path.GetFullPath(configured);
        for (var dir = new DirectoryInfo(env.ContentRootPath); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "LiveDash.sln"))) return Path.Combine(dir.FullName, ".livedash");
        return Path.Combine(env.ContentRootPath, ".livedash");
    }
}
