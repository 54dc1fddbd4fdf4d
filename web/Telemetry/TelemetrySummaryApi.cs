using LiveDash.Admin;
using LiveDash.AspNetCore;
using LiveDash.Store;
using LiveDash.Site;

namespace LiveDash.Telemetry;

/// <summary>GET /admin/api/telemetry/summary?seconds=N: the library's summary (time on a thread per endpoint included) with the store's mode and the requests it shed, for scripts and CI.</summary>
public static class TelemetrySummaryApi
{
    public sealed record StoreSummary(int Seconds, long Requests, double Rps, string Mode,
        EndToEndFigures EndToEnd, LatencyFigures InApp, WaitFigures WaitingForThread, WaitFigures WaitingToSend,
        IReadOnlyList<EndpointThreads> Endpoints, int PeakThreads, long Shed);

    public static void MapTelemetrySummaryApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/admin/api/telemetry/summary", (string? seconds, LiveDashFeed feed, StoreAdmission admission) =>
        {
            var n = 10;
            if (seconds is not null && (!int.TryParse(seconds, out n) || n < 1 || n > LiveDashFeed.MaxSummarySeconds))
                return ApiProblem.Result(new ApiError($"seconds must be a whole number from 1 to {LiveDashFeed.MaxSummarySeconds}", "seconds"), 400);
            var s = feed.Summarize(n);
            var mode = s.Label is { } label && Enum.IsDefined((StoreMode)label) ? (StoreMode)label : StoreMode.Async;
            return Results.Ok(new StoreSummary(s.Seconds, s.Requests, s.Rps, mode.ToString(), s.EndToEnd, s.InApp, s.WaitingForThread, s.WaitingToSend,
                s.Endpoints, s.PeakThreads, admission.ShedInLast(s.Seconds)));
        }).RequireAuthorization(AdminExtensions.ApiPolicy);
    }
}
