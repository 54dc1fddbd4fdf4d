using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace LiveDash.AspNetCore;

/// <summary>
/// <c>POST {path}/api/blocking/capture?seconds=N</c> runs a capture (1..30 s, default 5) and answers its result when it ends
/// (409 while another runs); <c>GET {path}/api/blocking/capture</c> answers the last result (204 before the first).
/// </summary>
static class BlockingCaptureApi
{
    public static RouteGroupBuilder MapBlockingCaptureApi(this IEndpointRouteBuilder endpoints, string pattern)
    {
        var group = endpoints.MapGroup(pattern);
        group.MapPost("", async (string? seconds, BlockingCapture capture, HttpContext context) =>
        {
            if (ParseSeconds(seconds, out var n) is { } problem) return problem;
            if (capture.TryStart(n) is not { } done)
            {
                var running = capture.Current;
                var detail = running is null ? "a capture is running" : $"a capture of {running.Seconds} s is running since {running.StartedAt:O}";
                return LiveDashProblem.Of(StatusCodes.Status409Conflict, detail + "; one runs at a time");
            }
            // The capture goes on if the client leaves; the wait holds no thread.
            return Results.Ok(await done.WaitAsync(context.RequestAborted));
        }).ExcludeFromDescription();
        // No capture yet is an empty state, not an error: 204, so a dashboard that asks on load logs nothing.
        group.MapGet("", (BlockingCapture capture) => capture.Last is { } last ? Results.Ok(last) : Results.NoContent())
            .ExcludeFromDescription();
        return group;
    }

    /// <returns>null and the seconds (default 5) when <paramref name="value"/> is fine, else the 400 that names the field.</returns>
    internal static IResult? ParseSeconds(string? value, out int seconds)
    {
        seconds = BlockingCapture.DefaultSeconds;
        if (value is null) return null;
        if (int.TryParse(value, out seconds) && seconds is >= 1 and <= BlockingCapture.MaxSeconds) return null;
        return LiveDashProblem.BadField("seconds", $"seconds must be a whole number from 1 to {BlockingCapture.MaxSeconds}");
    }
}
