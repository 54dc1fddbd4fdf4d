using LiveDash.Site;

namespace LiveDash.Admin;

/// <summary>Section "LiveDash": the starting runtime settings, the admin password and where state is kept.</summary>
public sealed class StoreOptions : IValidatedOptions
{
    public const string Section = "LiveDash";

    /// <summary>Sync, Async or SyncOverAsync (the exact name, any case).</summary>
    public string Mode { get; set; } = nameof(StoreMode.Async);
    public int DbLatencyMs { get; set; } = 25;
    public int MinThreads { get; set; }
    /// <summary>The server model: 0 = the .NET thread pool serves the store, 1..64 = that many dedicated store workers.</summary>
    public int Workers { get; set; }
    /// <summary>Admission control: store requests worked on at once, and how many more may wait before 503.</summary>
    public int MaxInFlight { get; set; } = RuntimeSettings.DefaultMaxInFlight;
    public int MaxQueued { get; set; } = RuntimeSettings.DefaultMaxQueued;
    /// <summary>Also LIVEDASH_ADMIN_PASSWORD; when neither is set one is generated and kept in the state directory.</summary>
    public string? AdminPassword { get; set; }
    /// <summary>Where the admin password and data-protection keys live; default .livedash/ at the repository root.</summary>
    public string? StateDir { get; set; }
    /// <summary>Also LIVEDASH_FARM: instances with the same farm name on one database share settings and telemetry.</summary>
    public string? Farm { get; set; }
    /// <summary>This instance's name on the farm dashboard, e.g. app-1; default host-pid.</summary>
    public string? Instance { get; set; }
    /// <summary>The URL this instance answers on; default the first address Kestrel listens on.</summary>
    public string? InstanceUrl { get; set; }
    /// <summary>The load balancer's stats page, linked from the dashboard when set.</summary>
    public string? ProxyStatsUrl { get; set; }
    /// <summary>The one address whose X-Forwarded-For is believed (the farm's HAProxy connects from it); unset: none.</summary>
    public string? TrustedProxy { get; set; }

    public StoreMode StartMode => StoreModes.TryParse(Mode, out var mode) ? mode : StoreMode.Async;

    public SettingsSnapshot InitialSettings => new(StartMode, DbLatencyMs, MinThreads, Workers, MaxInFlight, MaxQueued);

    public IEnumerable<string> Validate(string section)
    {
        if (!StoreModes.TryParse(Mode, out _))
            yield return $"{section}:Mode must be one of {string.Join(", ", Enum.GetNames<StoreMode>())}, got '{Site.ApiProblem.Excerpt(Mode)}'";
        if (RuntimeSettings.Validate(new SettingsUpdate(DbLatencyMs: DbLatencyMs, MinThreads: MinThreads, Workers: Workers, MaxInFlight: MaxInFlight, MaxQueued: MaxQueued)) is { } error)
            yield return $"{section}:{char.ToUpperInvariant(error.Field[0])}{error.Field[1..]}: {error.Message}";
        if (!string.IsNullOrEmpty(TrustedProxy) && !System.Net.IPAddress.TryParse(TrustedProxy, out _))
            yield return $"{section}:TrustedProxy must be one IP address (the proxy's), got '{Site.ApiProblem.Excerpt(TrustedProxy)}'";
    }

    /// <summary>LIVEDASH_ADMIN_PASSWORD and LIVEDASH_FARM where LiveDash:AdminPassword and LiveDash:Farm are unset.</summary>
    public static void Fallback(StoreOptions options, IConfiguration config)
    {
        if (string.IsNullOrEmpty(options.AdminPassword) && config[Admin.AdminPassword.EnvironmentVariable] is { Length: > 0 } password)
            options.AdminPassword = password;
        if (string.IsNullOrEmpty(options.Farm) && config["LIVEDASH_FARM"] is { Length: > 0 } farm) options.Farm = farm;
    }
}

public static class StoreModes
{
    /// <summary>Exact names only, any case: no numbers, no flag combinations, no surrounding spaces.</summary>
    public static bool TryParse(string? text, out StoreMode mode)
    {
        foreach (var candidate in Enum.GetValues<StoreMode>())
        {
            if (!string.Equals(text, candidate.ToString(), StringComparison.OrdinalIgnoreCase)) continue;
            mode = candidate;
            return true;
        }
        mode = default;
        return false;
    }
}
