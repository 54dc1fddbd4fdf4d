namespace LiveDash.Admin;

/// <summary>
/// The state directory's secrets stay the owner's: the data-protection keys directory 0700 (its files 0600) and the
/// admin password file 0600. Created so, and put back on every start when someone loosened them.
/// </summary>
public static class PrivateFiles
{
    public const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>The keys directory under <paramref name="stateDir"/>, created 0700 if missing; with the password file, made private.</summary>
    public static DirectoryInfo KeysDirectory(string stateDir)
    {
        var keys = Path.Combine(stateDir, "keys");
        if (OperatingSystem.IsWindows()) return Directory.CreateDirectory(keys);
        Directory.CreateDirectory(stateDir);
        var directory = Directory.CreateDirectory(keys, OwnerOnlyDirectory);
        Secure(stateDir);
        return directory;
    }

    /// <summary>Puts the modes back to owner-only where they are wider (the keys directory, its files and the password file).</summary>
    public static void Secure(string stateDir)
    {
        if (OperatingSystem.IsWindows()) return;
        var keys = Path.Combine(stateDir, "keys");
        if (Directory.Exists(keys))
        {
            Restrict(keys, OwnerOnlyDirectory);
            foreach (var file in Directory.EnumerateFiles(keys)) Restrict(file, OwnerOnlyFile);
        }
        var password = Path.Combine(stateDir, "admin-password");
        if (File.Exists(password)) Restrict(password, OwnerOnlyFile);
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    static void Restrict(string path, UnixFileMode mode)
    {
        try
        {
            if (File.GetUnixFileMode(path) != mode) File.SetUnixFileMode(path, mode);
        }
        catch (UnauthorizedAccessException)
        {
            // Another user's file: say so rather than refuse to start (before logging exists, hence stderr).
            Console.Error.WriteLine($"LiveDash: could not make {path} private (mode {mode}): it belongs to another user");
        }
    }
}
