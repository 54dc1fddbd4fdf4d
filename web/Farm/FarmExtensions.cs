using LiveDash.Admin;
using LiveDash.Site;
using LiveDash.Store;
using LiveDash.Telemetry;

namespace LiveDash.Farm;

public static class FarmExtensions
{
    public const string HubPath = "/hubs/farm";

    /// <summary>
    /// On PostgreSQL: settings and their change log kept in the database and shared by every instance with the
    /// same LiveDash:Farm name, and each instance's telemetry published to the others. On MongoDB: one instance.
    /// </summary>
    public static void AddFarm(this WebApplicationBuilder builder)
    {
        var options = builder.AddValidatedOptions<StoreOptions>(StoreOptions.Section, StoreOptions.Fallback);
        var database = builder.AddValidatedOptions<DatabaseOptions>(DatabaseOptions.Section, DatabaseOptions.Fallback);
        var postgres = !database.IsMongo;
        var status = FarmStatus.From(options, builder.Environment, postgres,
            postgres ? null : "With the MongoDB provider LiveDash runs as a single instance: settings are kept in memory and are not shared.");
        builder.Services.AddSingleton(status);
        builder.Services.AddSingleton<FarmState>();
        builder.Services.AddSingleton<FarmBroadcaster>();
        if (!postgres) return;

        var connectionString = database.PostgresConnection!;
        builder.Services.AddSingleton(_ => new FarmDatabase(connectionString));
        builder.Services.AddSingleton<FarmSettingsSync>();
        // Order matters: the settings are loaded before the listener and the publisher start.
        builder.Services.AddHostedService(sp => sp.GetRequiredService<FarmSettingsSync>());
        builder.Services.AddSingleton<FarmListener>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<FarmListener>());
        builder.Services.AddSingleton<FarmSignIns>();
        builder.Services.AddSingleton<IFarmChannelReader>(sp => sp.GetRequiredService<FarmSignIns>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<FarmSignIns>());
        if (builder.LibraryOptions().Enabled) builder.Services.AddHostedService<FarmPublisher>();
    }

    public static void MapFarm(this WebApplication app)
    {
        app.MapHub<FarmHub>(HubPath);
        app.MapGet("/admin/api/instances", (FarmStatus farm, FarmState state, RuntimeSettings settings, LiveDash.AspNetCore.LiveDashFeed ticks) =>
        {
            if (farm.Enabled) return Results.Ok(state.Instances());
            var requests = ticks.Latest?.Modes.Sum(m => m.Requests) ?? 0;
            return Results.Ok(new[] { new InstanceInfo(farm.Instance, farm.Url, 0, requests, settings.Current.Mode.ToString(), false) });
        }).RequireAuthorization(AdminExtensions.ApiPolicy);
        app.MapGet("/api/farm", (FarmStatus farm, IServiceProvider services) =>
            Results.Ok(new FarmInfo(farm.Enabled, farm.Farm, farm.Instance, farm.Url, services.GetService<FarmListener>()?.Listening ?? false, farm.ProxyStatsUrl, farm.Reason)));
    }
}

/// <summary>GET /api/farm: which farm this instance belongs to and whether it hears the others.</summary>
public sealed record FarmInfo(bool Enabled, string Farm, string Instance, string Url, bool Listening, string? ProxyStatsUrl, string? Reason);
