using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace LiveDash.Admin;

/// <summary>
/// The admin secret: LiveDash:AdminPassword (LiveDash__AdminPassword) or LIVEDASH_ADMIN_PASSWORD, both read through
/// configuration so a host's own settings win; else generated on first start and kept in .livedash/admin-password
/// (0600), shown once on the terminal and never logged.
/// </summary>
public sealed class AdminPassword
{
    public const string UserName = "admin";
    public const string EnvironmentVariable = "LIVEDASH_ADMIN_PASSWORD";
    readonly byte[] _expectedHash;

    public AdminPassword(IOptions<StoreOptions> options, IHostEnvironment env) : this(options.Value, env, Console.Out) { }

    /// <param name="options">LiveDash:AdminPassword, which <see cref="StoreOptions.Fallback"/> fills from LIVEDASH_ADMIN_PASSWORD.</param>
    internal AdminPassword(StoreOptions options, IHostEnvironment env, TextWriter terminal)
    {
        var configured = options.AdminPassword;
        if (!string.IsNullOrEmpty(configured))
        {
            Source = EnvironmentVariable;
            _expectedHash = Hash(configured);
            return;
        }
        var path = Path.Combine(StateDirectory.Resolve(options.StateDir, env), "admin-password");
        Source = path;
        if (File.Exists(path))
        {
            _expectedHash = Hash(File.ReadAllText(path).Trim());
            return;
        }
        var generated = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('+', '-').Replace('/', '_');
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var file = new FileStream(path, fileOptions))
        using (var writer = new StreamWriter(file))
        {
            writer.WriteLine(generated);
        }
        _expectedHash = Hash(generated);
        terminal.WriteLine($"LiveDash admin password (user 'admin'): {generated}  (saved in {path}; set {EnvironmentVariable} to choose your own)");
        terminal.Flush();
    }

    /// <summary>Where the password came from, for messages (never the password itself).</summary>
    public string Source { get; }

    /// <summary>Compares SHA-256 digests in fixed time, so neither the content nor the length of the password leaks.</summary>
    public bool Matches(string? candidate) =>
        candidate is not null && CryptographicOperations.FixedTimeEquals(Hash(candidate), _expectedHash);

    static byte[] Hash(string text) => SHA256.HashData(Encoding.UTF8.GetBytes(text));
}

public static class StateDirectory
{
    /// <summary>LiveDash:StateDir, else .livedash/ at the repository root (found by LiveDash.sln), else beside the app.</summary>
    public static string Resolve(string? configured, IHostEnvironment env)
    {
        if (!string.IsNullOrEmpty(configured)) return Path.GetFullPath(configured);
        for (var dir = new DirectoryInfo(env.ContentRootPath); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "LiveDash.sln"))) return Path.Combine(dir.FullName, ".livedash");
        return Path.Combine(env.ContentRootPath, ".livedash");
    }
}
