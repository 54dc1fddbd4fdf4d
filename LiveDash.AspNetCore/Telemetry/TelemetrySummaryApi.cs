using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace LiveDash.AspNetCore;

/// <summary>
/// GET {path}/api/summary?seconds=N: end-to-end, in-app and waiting-for-a-thread latency over the last N seconds, for scripts
/// and CI, with the host's own fields (<see cref="ILiveDashSummaryFields"/>).
/// </summary>
static class TelemetrySummaryApi
{
    /// <summary>The summary's own JSON names, which a host's fields may not take.</summary>
    static readonly HashSet<string> OwnNames = new(StringComparer.OrdinalIgnoreCase)
        { "seconds", "requests", "rps", "endToEnd", "inApp", "waitingForThread", "waitingToSend", "endpoints", "peakThreads" };

    public static RouteHandlerBuilder MapTelemetrySummaryApi(this IEndpointRouteBuilder app, string pattern) =>
        app.MapGet(pattern, (string? seconds, LiveDashFeed feed, HttpContext context) =>
            ParseSeconds(seconds, out var n) is { } problem ? problem : Results.Ok(WithHostFields(feed.Summarize(n), context.RequestServices)));

    /// <returns>null and the seconds (default 10) when <paramref name="value"/> is fine, else the 400 that names the field.</returns>
    internal static IResult? ParseSeconds(string? value, out int seconds)
    {
        seconds = 10;
        if (value is null) return null;
        if (int.TryParse(value, out seconds) && seconds is >= 1 and <= RecentLatency.MaxSeconds) return null;
        return LiveDashProblem.BadField("seconds", $"seconds must be a whole number from 1 to {RecentLatency.MaxSeconds}");
    }

    /// <summary>The summary with what the host's <see cref="ILiveDashSummaryFields"/> add (the summary itself when it has none).</summary>
    internal static LatencySummary WithHostFields(LatencySummary summary, IServiceProvider services)
    {
        Dictionary<string, object>? fields = null;
        foreach (var hook in services.GetServices<ILiveDashSummaryFields>())
            hook.Write(summary, fields ??= new Dictionary<string, object>(4));
        if (fields is null) return summary;
        foreach (var name in fields.Keys)
            if (OwnNames.Contains(name)) throw new InvalidOperationException($"ILiveDashSummaryFields wrote '{name}', one of the summary's own fields; give it another name");
        return summary with { Extra = fields };
    }
}
