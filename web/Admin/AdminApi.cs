using System.Text.Json;
using LiveDash.Store;
using LiveDash.Site;

namespace LiveDash.Admin;

public record SettingsBody(string Mode, int DbLatencyMs, int MinThreads, int Workers = 0,
    int MaxInFlight = RuntimeSettings.DefaultMaxInFlight, int MaxQueued = RuntimeSettings.DefaultMaxQueued);

/// <summary>GET/PUT /admin/api/settings, POST /admin/api/reset, GET /admin/api/changes (HTTP Basic, user admin).</summary>
public static class AdminApi
{
    public static void MapAdminApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/admin/api").RequireAuthorization(AdminExtensions.ApiPolicy);

        api.MapGet("/settings", (RuntimeSettings settings) => Results.Ok(Body(settings.Current)));

        api.MapPut("/settings", async (HttpRequest request, RuntimeSettings settings) =>
        {
            var (update, error) = await ReadUpdate(request);
            if (error is not null) return ApiProblem.Result(new ApiError(error.Message, error.Field), 400);
            if (settings.Apply(update!, "api") is { } applyError) return ApiProblem.Result(new ApiError(applyError.Message, applyError.Field), 400);
            return Results.Ok(Body(settings.Current));
        });

        api.MapPost("/reset", (RuntimeSettings settings) =>
        {
            settings.RequestReset("api");
            return Results.Ok(Body(settings.Current));
        });

        api.MapGet("/changes", (RuntimeSettings settings) => Results.Ok(settings.Changes));

        api.MapGet("/health", (IStoreBackend backend, StoreHealth health, RuntimeSettings settings, CancellationToken ct) =>
            StoreApi.HealthAsync(backend, health, settings, withDetails: true, ct));
    }

    static SettingsBody Body(SettingsSnapshot s) => new(s.Mode.ToString(), s.DbLatencyMs, s.MinThreads, s.Workers, s.MaxInFlight, s.MaxQueued);

    /// <summary>Reads a partial settings object strictly: unknown fields and wrong types are named in the error.</summary>
    internal static async Task<(SettingsUpdate? Update, SettingsError? Error)> ReadUpdate(HttpRequest request)
    {
        JsonDocument doc;
        try
        {
            doc = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
        }
        catch (JsonException e)
        {
            return (null, new SettingsError("body", $"the body must be a JSON object like {{\"mode\":\"Async\",\"dbLatencyMs\":25,\"minThreads\":0,\"workers\":0}}: {e.Message}"));
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                return (null, new SettingsError("body", "the body must be a JSON object with any of mode, dbLatencyMs, minThreads, workers, maxInFlight, maxQueued"));
            var update = new SettingsUpdate();
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                    return (null, new SettingsError(Site.ApiProblem.Excerpt(property.Name), $"'{Site.ApiProblem.Excerpt(property.Name)}' is given twice; give each setting once"));
                switch (property.Name.ToLowerInvariant())
                {
                    case "mode":
                        var name = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : null;
                        if (!StoreModes.TryParse(name, out var mode))
                            return (null, new SettingsError("mode", $"mode must be one of {string.Join(", ", Enum.GetNames<StoreMode>())}, got {Site.ApiProblem.Excerpt(property.Value.GetRawText())}"));
                        update = update with { Mode = mode };
                        break;
                    case "dblatencyms":
                        if (WholeNumber(property, "dbLatencyMs", $"of milliseconds from 0 to {RuntimeSettings.MaxDbLatencyMs}", out var latency) is { } badLatency) return (null, badLatency);
                        update = update with { DbLatencyMs = latency };
                        break;
                    case "minthreads":
                        if (WholeNumber(property, "minThreads", $"from 0 to {RuntimeSettings.MaxMinThreads}", out var minThreads) is { } badMinThreads) return (null, badMinThreads);
                        update = update with { MinThreads = minThreads };
                        break;
                    case "workers":
                        if (WholeNumber(property, "workers", $"from 0 (the .NET thread pool) to {RuntimeSettings.MaxWorkers}", out var workers) is { } badWorkers) return (null, badWorkers);
                        update = update with { Workers = workers };
                        break;
                    case "maxinflight":
                        if (WholeNumber(property, "maxInFlight", $"from 1 to {RuntimeSettings.MaxAdmission}", out var maxInFlight) is { } badInFlight) return (null, badInFlight);
                        update = update with { MaxInFlight = maxInFlight };
                        break;
                    case "maxqueued":
                        if (WholeNumber(property, "maxQueued", $"from 0 to {RuntimeSettings.MaxAdmission}", out var maxQueued) is { } badQueued) return (null, badQueued);
                        update = update with { MaxQueued = maxQueued };
                        break;
                    default:
                        return (null, new SettingsError(Site.ApiProblem.Excerpt(property.Name), $"unknown setting '{Site.ApiProblem.Excerpt(property.Name)}'; the settings are mode, dbLatencyMs, minThreads, workers, maxInFlight, maxQueued"));
                }
            }
            return (update, null);
        }
    }

    /// <summary>An int setting, or the error that names it and echoes (an excerpt of) what was given.</summary>
    static SettingsError? WholeNumber(JsonProperty property, string field, string range, out int value)
    {
        value = 0;
        return property.Value.ValueKind == JsonValueKind.Number && property.Value.TryGetInt32(out value)
            ? null
            : new SettingsError(field, $"{field} must be a whole number {range}, got {Site.ApiProblem.Excerpt(property.Value.GetRawText())}");
    }
}
