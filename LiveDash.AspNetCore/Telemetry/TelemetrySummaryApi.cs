using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace LiveDash.AspNetCore;

/// <summary>GET {path}/api/summary?seconds=N: end-to-end, in-app and waiting-for-a-thread latency over the last N seconds, for scripts and CI.</summary>
static class TelemetrySummaryApi
{
    /// <summary>A bad request's answer: what is wrong, and which field.</summary>
    internal sealed record Problem(string Error, string Field);

    public static RouteHandlerBuilder MapTelemetrySummaryApi(this IEndpointRouteBuilder app, string pattern) =>
        app.MapGet(pattern, (string? seconds, LiveDashFeed feed) =>
            ParseSeconds(seconds, out var n) is { } error ? Results.BadRequest(error) : Results.Ok(feed.Summarize(n)));

    /// <returns>null and the seconds (default 10) when <paramref name="value"/> is fine, else the problem.</returns>
    internal static Problem? ParseSeconds(string? value, out int seconds)
    {
        seconds = 10;
        if (value is null) return null;
        if (int.TryParse(value, out seconds) && seconds is >= 1 and <= RecentLatency.MaxSeconds) return null;
        return new Problem($"seconds must be a whole number from 1 to {RecentLatency.MaxSeconds}", "seconds");
    }
}
