using System.Data.Common;
using Npgsql;

namespace LiveDash.Store.Postgres;

/// <summary>The user's connection string, with LiveDash's defaults for whatever the user did not set.</summary>
public static class PostgresConnection
{
    public static string Build(string userConnectionString)
    {
        // Which keys the user wrote ("MaxPoolSize" and "Maximum Pool Size" are one key; "Command Timeout" is not "Timeout").
        var given = new DbConnectionStringBuilder { ConnectionString = userConnectionString }.Keys.Cast<string>()
            .Select(Canonical).ToHashSet(StringComparer.Ordinal);
        var csb = new NpgsqlConnectionStringBuilder(userConnectionString);
        // Sized so the pool, not the thread pool, is never the limit at concurrency 200 (see the figures in docs/benchmarks.md).
        if (!given.Contains(Canonical("Maximum Pool Size"))) csb.MaxPoolSize = Math.Max(250, csb.MinPoolSize);
        // Warmed at start-up and kept: as many as admission control lets in at once, so a burst forks no backends.
        if (!given.Contains(Canonical("Minimum Pool Size"))) csb.MinPoolSize = Math.Min(Admin.RuntimeSettings.DefaultMaxInFlight, csb.MaxPoolSize);
        if (!given.Contains(Canonical("Timeout"))) csb.Timeout = 3;
        csb.CommandTimeout = Math.Max(csb.CommandTimeout, 30);
        if (!given.Contains(Canonical("Max Auto Prepare"))) csb.MaxAutoPrepare = 20;
        // We never change session state, so the per-connection reset on return to the pool is pure cost.
        if (!given.Contains(Canonical("No Reset On Close"))) csb.NoResetOnClose = true;
        // The store's statements are simple keyed lookups: plan them once per connection, not on every bind.
        if (!given.Contains(Canonical("Options"))) csb.Options = "-c plan_cache_mode=force_generic_plan";
        if (!given.Contains(Canonical("Application Name"))) csb.ApplicationName = "LiveDash";
        return csb.ConnectionString;
    }

    /// <summary>A keyword as Npgsql matches it: case and spaces do not matter, and "Maximum" is also "Max", "Minimum" also "Min".</summary>
    static string Canonical(string key) => key.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant().Replace("maximum", "max", StringComparison.Ordinal)
        .Replace("minimum", "min", StringComparison.Ordinal);
}
