using System.Security.Cryptography;
using System.Text;
using LiveDash.Admin;

namespace LiveDash.Farm;

/// <summary>What this process is on the farm; registered with every provider, so pages can say so.</summary>
public sealed class FarmStatus
{
    public const int MaxNameLength = 64;

    public FarmStatus(bool enabled, string farm, string instance, string? proxyStatsUrl, string? reason)
    {
        Enabled = enabled;
        Farm = farm;
        Instance = instance;
        ProxyStatsUrl = proxyStatsUrl;
        Reason = reason;
        // NOTIFY channels are identifiers (at most 63 bytes): a hash keeps any farm name safe and short.
        Channel = "livedash_farm_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(farm)))[..24];
    }

    public bool Enabled { get; }
    public string Farm { get; }
    public string Instance { get; }
    public string? ProxyStatsUrl { get; }
    /// <summary>Why the farm is off (e.g. the MongoDB provider), for the admin page.</summary>
    public string? Reason { get; }
    public string Channel { get; }

    /// <summary>Set once the server knows its address (or from LiveDash:InstanceUrl).</summary>
    public string Url { get; internal set; } = "";

    internal static FarmStatus From(Admin.LiveDashOptions options, IHostEnvironment env, bool enabled, string? reason)
    {
        var farm = Clean(options.Farm);
        // Tests share one database: an unnamed farm in the Testing environment gets its own name, so test apps never share settings.
        farm ??= env.IsEnvironment("Testing") ? "test-" + Guid.NewGuid().ToString("N")[..12] : "default";
        var instance = Clean(options.Instance) ?? $"{Environment.MachineName}-{Environment.ProcessId}";
        return new FarmStatus(enabled, farm, instance, Clean(options.ProxyStatsUrl, 200), reason) { Url = Clean(options.InstanceUrl, 200) ?? "" };
    }

    static string? Clean(string? value, int max = MaxNameLength)
    {
        value = value?.Trim();
        if (string.IsNullOrEmpty(value)) return null;
        return value.Length > max ? value[..max] : value;
    }
}
