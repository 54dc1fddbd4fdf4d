using LiveDash.Admin;
using LiveDash.Store;

namespace LiveDash.Telemetry;

/// <summary>GET /admin/api/telemetry/summary?seconds=N: end-to-end, in-app and waiting-for-a-thread latency over the last N seconds, for scripts and CI.</summary>
public static class TelemetrySummaryApi
{
    public static void MapTelemetrySummaryApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/admin/api/telemetry/summary", (string? seconds, RecentLatency recent, TimeProvider time) =>
        {
            var n = 10;
            if (seconds is not null && (!int.TryParse(seconds, out n) || n < 1 || n > RecentLatency.MaxSeconds))
                return Results.BadRequest(new ApiError($"seconds must be a whole number from 1 to {RecentLatency.MaxSeconds}", "seconds"));
            return Results.Ok(recent.Summarize(time.GetUtcNow().ToUnixTimeMilliseconds(), n));
        }).RequireAuthorization(AdminExtensions.ApiPolicy);
    }
}
