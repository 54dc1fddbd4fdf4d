namespace LiveDash.LoadTests.Admin;

/// <summary>The admin password: --admin-password, else LIVEDASH_ADMIN_PASSWORD, else .livedash/admin-password beside LiveDash.sln.</summary>
public static class AdminCredentials
{
    public static string? Find(string? fromOption)
    {
        if (!string.IsNullOrEmpty(fromOption)) return fromOption;
        if (Environment.GetEnvironmentVariable("LIVEDASH_ADMIN_PASSWORD") is { Length: > 0 } fromEnvironment) return fromEnvironment;
        if (RepositoryRoot.Find() is not { } root) return null;
        var file = Path.Combine(root, ".livedash", "admin-password");
        try
        {
            return File.Exists(file) ? File.ReadAllText(file).Trim() is { Length: > 0 } p ? p : null : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}

/// <summary>The checkout this runner belongs to: the nearest folder holding LiveDash.sln, from the working directory or the binary.</summary>
public static class RepositoryRoot
{
    public static string? Find()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "LiveDash.sln"))) return dir.FullName;
        return null;
    }
}
