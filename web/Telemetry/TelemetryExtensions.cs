using System.Diagnostics.Metrics;
using LiveDash.Admin;
using LiveDash.AspNetCore;
using LiveDash.Site;
using LiveDash.Store;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using LiveDash.Lecture;

namespace LiveDash.Telemetry;

/// <summary>The store on the LiveDash library: its labels (mode, server model), gauges, markers and admin APIs.</summary>
public static class TelemetryExtensions
{
    /// <summary>
    /// Section "Telemetry" is the library's own <see cref="LiveDashOptions"/> (Enabled, MeasureArrival, MeasureThreadTime,
    /// ThreadTimeRoutes, BlockingCapture, …), bound strictly over the store's defaults; Path and HubPath are the store's.
    /// </summary>
    public const string Section = "Telemetry";

    public const string HubPath = "/hubs/telemetry";
    public const string DashboardPath = "/livedash";

    /// <summary>Whether the library records requests (section "Telemetry", key Enabled), as the library itself reads it.</summary>
    public static bool TelemetryEnabled(this IServiceProvider services) => services.GetRequiredService<IOptions<LiveDashOptions>>().Value.Enabled;

    /// <summary>service.name when the standard OTEL_* variables give none.</summary>
    public const string ServiceName = "LiveDash";

    /// <summary>The store's side: sections "Telemetry" and "OpenTelemetry", its labels (mode, server model), gauges and database round trips.</summary>
    public static StoreTelemetry AddTelemetry(this WebApplicationBuilder builder)
    {
        var options = builder.LibraryOptions();
        builder.AddValidatedOptions<OpenTelemetryOptions>(OpenTelemetryOptions.Section);
        builder.Services.AddSingleton<ILiveDashLabels, StoreLabels>();
        builder.Services.AddSingleton<DbPoolMonitor>();
        builder.Services.AddSingleton<LectureBoard>();
        builder.Services.AddSingleton<ILiveDashGauges, StoreGauges>();
        if (options.Enabled) builder.Services.AddSingleton<IDbRoundTripObserver, TimelineRoundTripObserver>();
        return new StoreTelemetry(builder.Configuration, StoreInstance(builder));
    }

    /// <summary>
    /// The library's options as the store sets them and section "Telemetry" overrides them, bound and checked once, for the
    /// set-up code that needs them before the app is built: a misspelt key or a bad value stops the app naming its key.
    /// </summary>
    public static LiveDashOptions LibraryOptions(this WebApplicationBuilder builder)
    {
        if (builder.Host.Properties.TryGetValue(typeof(LiveDashOptions), out var bound)) return (LiveDashOptions)bound;
        var options = new LiveDashOptions();
        options.ForStore(new StoreTelemetry(builder.Configuration, StoreInstance(builder)));
        builder.Host.Properties[typeof(LiveDashOptions)] = options;
        return options;
    }

    static string? StoreInstance(WebApplicationBuilder builder) =>
        builder.AddValidatedOptions<Admin.StoreOptions>(Admin.StoreOptions.Section, Admin.StoreOptions.Fallback).Instance;

    /// <summary>
    /// The library as the store uses it: the hub where the store's dashboards have always found it; no hub's connection
    /// is a request; with OTLP export on, each farm instance is its own service.instance.id and Npgsql's spans and metrics join.
    /// Then section "Telemetry", bound strictly: an unknown key, a value of the wrong type, ThreadTimeRoutes outside 1..64 or a
    /// Path or HubPath (the store's pages name them) throws <see cref="OptionsValidationException"/> naming the key.
    /// </summary>
    public static void ForStore(this LiveDashOptions library, StoreTelemetry store)
    {
        library.HubPath = HubPath;
        library.UnmeasuredPaths.Add("/hubs");
        // Not requests anyone waits on: an agent's WebSocket lives for hours, and a lecture run (~12 s) is the sum of the requests it sends, which are measured.
        library.UnmeasuredPaths.Add("/admin/api/load/agents/connect");
        library.UnmeasuredPaths.Add("/admin/api/lecture/run");
        library.ServiceName = ServiceName;
        library.ServiceInstanceId = store.Instance;
        var section = store.Configuration.GetSection(Section);
        try
        {
            section.Bind(library, binder => binder.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException e)
        {
            throw new OptionsValidationException(Section, typeof(LiveDashOptions), [$"configuration section '{Section}': {e.Message}"]);
        }
        var failures = new List<string>();
        if (section[nameof(LiveDashOptions.Path)] is not null) failures.Add($"{Section}:Path is the store's own ({DashboardPath}); leave it out");
        if (section[nameof(LiveDashOptions.HubPath)] is not null) failures.Add($"{Section}:HubPath is the store's own ({HubPath}); leave it out");
        if (library.ThreadTimeRoutes is < 1 or > 64)
            failures.Add($"{Section}:ThreadTimeRoutes must be a whole number from 1 to 64, got {library.ThreadTimeRoutes}");
        if (failures.Count > 0) throw new OptionsValidationException(Section, typeof(LiveDashOptions), failures);
    }

    /// <summary>The summary carries the store's mode and the requests it shed; with OTLP export on, Npgsql's spans and metrics join the library's.</summary>
    public static LiveDashBuilder ForStore(this LiveDashBuilder livedash) =>
        livedash.AddSummaryFields<StoreSummaryFields>().WithOpenTelemetry(otel => otel
            .WithTracing(tracing => tracing.AddNpgsql())
            .WithMetrics(metrics => metrics.AddNpgsqlInstrumentation()));

    /// <summary>
    /// The store's /dashboard is public, so the hub and assets are open to all; the library's own page, summary and blocking
    /// capture are for admins (the capture's POST with the admin cookie also needs the antiforgery header: <see cref="AdminApiProtection"/>).
    /// </summary>
    public static void ForStore(this LiveDashEndpoints livedash)
    {
        livedash.Hub.AllowAnonymous();
        livedash.Assets.AllowAnonymous();
        livedash.Page.RequireAuthorization(AdminExtensions.ApiPolicy);
        livedash.Api.RequireAuthorization(AdminExtensions.ApiPolicy);
        livedash.Blocking.RequireAuthorization(AdminExtensions.ApiPolicy);
    }

    /// <summary>GET ?seconds=N: the library's summary with <see cref="StoreSummaryFields"/>, for admins.</summary>
    public const string SummaryPath = "/admin/api/telemetry/summary";

    /// <summary>The library's blocking capture, as the store maps it.</summary>
    public const string BlockingCapturePath = DashboardPath + "/api/blocking/capture";

    /// <summary>Settings changes and resets become the dashboards' markers; the database pool joins the "LiveDash" meter.</summary>
    public static void UseTelemetry(this WebApplication app)
    {
        var settings = app.Services.GetRequiredService<RuntimeSettings>();
        Bridge(settings, app.Services.GetRequiredService<LiveDashFeed>());
        StoreMetrics.Attach(app.Services.GetRequiredService<IMeterFactory>(), app.Services.GetRequiredService<LiveDashFeed>());
    }

    /// <summary>Forwards the store's settings changes and resets to the library as markers.</summary>
    public static void Bridge(RuntimeSettings settings, LiveDashFeed feed)
    {
        settings.Changed += change => feed.Mark(new ChangeMessage(change.At.ToUnixTimeMilliseconds(), change.Channel, change.Field, change.OldValue, change.NewValue));
        settings.ResetRequested += _ => feed.ResetTotals();
    }

    /// <summary>Just before the endpoint runs: ends the request's "queued" segment.</summary>
    public static void UseTelemetryHandlerStart(this WebApplication app)
    {
        if (app.Services.TelemetryEnabled()) app.UseLiveDashHandlerStart();
    }

    public static void MapTelemetry(this WebApplication app)
    {
        app.MapClientTicksApi();
        // The library's summary (time on a thread per endpoint included) with the store's mode and shed requests, for admins' scripts and CI.
        app.MapLiveDashSummary(SummaryPath).RequireAuthorization(AdminExtensions.ApiPolicy);
        app.MapLectureApi();
        // No database work: the baseline for measuring what telemetry itself costs per request.
        app.MapGet("/api/ping", () => Results.Ok(new Pong(true))).SkipsSignIn();
    }
}

public record Pong(bool Ok);

/// <summary>The configuration section "Telemetry" is read from, and the farm instance's name, for <see cref="TelemetryExtensions.ForStore(LiveDashOptions, StoreTelemetry)"/>.</summary>
public sealed record StoreTelemetry(IConfiguration Configuration, string? Instance);
