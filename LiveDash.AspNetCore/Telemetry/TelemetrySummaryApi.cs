using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace LiveDash.AspNetCore;

/// <summary>GET {path}/api/summary?seconds=N: end-to-end, in-app and waiting-for-a-thread latency over the last N seconds, for scripts and CI.</summary>
static class TelemetrySummaryApi
{
    public static RouteHandlerBuilder MapTelemetrySummaryApi(this IEndpointRouteBuilder app, string pattern) =>
        app.MapGet(pattern, (string? seconds, LiveDashFeed feed) =>
            ParseSeconds(seconds, out var n) is { } problem ? problem : Results.Ok(feed.Summarize(n)));

    /// <returns>null and the seconds (default 10) when <paramref name="value"/> is fine, else the 400 that names the field.</returns>
    internal static IResult? ParseSeconds(string? value, out int seconds)
    {
        seconds = 10;
        if (value is null) return null;
        if (int.TryParse(value, out seconds) && seconds is >= 1 and <= RecentLatency.MaxSeconds) return null;
        return LiveDashProblem.BadField("seconds", $"seconds must be a whole number from 1 to {RecentLatency.MaxSeconds}");
    }
}
