using LiveDash.LoadTests.Admin;

namespace LiveDash.LoadTests.Reports;

/// <summary>Chart.js as restored into LiveDash.AspNetCore/wwwroot/lib/ (libman.json), read so reports can inline it and stay self-contained.</summary>
public static class ChartLibrary
{
    public static string? Load()
    {
        if (RepositoryRoot.Find() is not { } root) return null;
        var lib = Path.Combine(root, "LiveDash.AspNetCore", "wwwroot", "lib");
        if (!Directory.Exists(lib)) return null;
        var file = Directory.EnumerateFiles(lib, "chart.umd*.js", SearchOption.AllDirectories)
            .OrderByDescending(f => f.Contains(".min.", StringComparison.Ordinal))
            .ThenBy(f => f.Length)
            .FirstOrDefault();
        return file is null ? null : File.ReadAllText(file);
    }
}
