using System.Diagnostics;
using LiveDash.Admin;
using LiveDash.Lecture;
using LiveDash.Store;
using LiveDash.LoadTests.Agent;
using LiveDash.LoadTests.Reports;
using LiveDash.LoadTests.Scenarios;
using LiveDash.Site;

namespace LiveDash.Load;

/// <summary>
/// The load admin API under /admin/api/load (HTTP Basic, or the admin cookie from the dashboard):
/// list agents and scenarios, start a run on agents, change its users or rate, stop it, read it, get its report.
/// </summary>
public static class LoadApi
{
    public const double MaxDurationSeconds = LoadAgent.MaxDurationSeconds;

    public static void MapLoadApi(this IEndpointRouteBuilder app)
    {
        var load = app.MapGroup("/admin/api/load").RequireAuthorization(AdminExtensions.ApiPolicy);

        var sockets = app.CreateApplicationBuilder();
        sockets.UseWebSockets();
        sockets.Run(AgentSocket.ServeAsync);
        load.Map(AgentMessage.ConnectPath["/admin/api/load".Length..], sockets.Build());

        load.MapGet("/agents", (LoadRuns runs) => Results.Ok(runs.Agents()));

        load.MapGet("/scenarios", () => Results.Ok(ScenarioCatalog.List()
            .Where(s => s.Name != ScenarioCatalog.Lecture)
            .Select(s => new { name = s.Name, description = s.Description })));

        load.MapGet("/runs", (LoadRuns runs) => Results.Ok(runs.All().AsEnumerable().Reverse().Select(r => Body(r, runs))));

        load.MapPost("/runs", async (HttpRequest request, LoadRuns runs, LectureRunner lecture) =>
        {
            var (body, error) = await ReadStart(request);
            if (error is not null) return ApiProblem.Result(error, 400);
            if (lecture.IsRunning)
                return ApiProblem.Result(new ApiError("a lecture run is going (POST /admin/api/lecture/run): it needs the server to itself; start the load run when it has finished", "lecture"), 409);
            await runs.SyncAsync(request.HttpContext.RequestAborted);
            var (run, refused) = await runs.StartAsync(body!, request.HttpContext.RequestAborted);
            if (refused is not null) return ApiProblem.Result(refused, 409);
            await runs.SyncAsync(request.HttpContext.RequestAborted);
            return Results.Created($"/admin/api/load/runs/{run!.Id}", new { id = run.Id });
        });

        load.MapGet("/runs/{id}", async (string id, LoadRuns runs, CancellationToken cancel) =>
            await runs.FindAsync(id, cancel) is { } run ? Results.Ok(Body(run, runs)) : NotFound(id));

        load.MapMethods("/runs/{id}", ["PATCH"], async (string id, HttpRequest request, LoadRuns runs) =>
        {
            await runs.SyncAsync(request.HttpContext.RequestAborted);
            if (runs.Find(id) is not { } run) return NotFound(id);
            var (users, rate, lines, error) = await ReadChange(request);
            if (error is not null) return ApiProblem.Result(error, 400);
            if (runs.Change(run, users, rate, lines) is { } refused) return refused.Field == "id" ? ApiProblem.Result(refused, 409) : ApiProblem.Result(refused, 400);
            await runs.SyncAsync(request.HttpContext.RequestAborted);
            return Results.Ok(Body(run, runs));
        });

        load.MapDelete("/runs/{id}", async (string id, LoadRuns runs, CancellationToken cancel) =>
        {
            await runs.SyncAsync(cancel);
            if (runs.Find(id) is not { } run) return NotFound(id);
            runs.Stop(run);
            await runs.SyncAsync(cancel);
            return Results.Ok(Body(run, runs));
        });

        load.MapGet("/runs/{id}/report", async (string id, string? format, LoadRuns runs, HttpResponse response) =>
        {
            if (await runs.FindAsync(id, response.HttpContext.RequestAborted) is not { } run) return NotFound(id);
            var result = runs.Report(run);
            // The HTML report is a self-contained file (its chart code inline, for reading offline): viewed here it
            // runs sandboxed, in an origin of its own with no cookies, so its inline script needs no exception in the site's policy.
            response.Headers.ContentSecurityPolicy = ReportPolicy;
            return (format ?? "html").ToLowerInvariant() switch
            {
                "html" => Results.Content(RunReport.Html(result), "text/html; charset=utf-8"),
                "md" => Results.Text(RunReport.Markdown(result), "text/markdown; charset=utf-8"),
                "csv" => Results.Text(RunReport.Csv(result), "text/csv; charset=utf-8"),
                _ => ApiProblem.Result(new ApiError($"format must be html, md or csv, got '{format}'", "format"), 400),
            };
        });
    }

    const string ReportPolicy = "sandbox allow-scripts; default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'";

    static IResult NotFound(string id) => ApiProblem.Result(new ApiError($"no load run {id} (the server keeps the last 20)", "id"), 404);

    static object Body(LoadRun run, LoadRuns runs)
    {
        var totals = run.Totals();
        return new
        {
            id = run.Id,
            state = run.State,
            scenario = run.Request.Scenario,
            path = run.Request.Path,
            users = run.Users,
            rate = run.Rate,
            durationSeconds = run.Request.DurationSeconds,
            warmUpSeconds = run.Request.WarmUpSeconds,
            warmingUp = run.Agents.Any(a => runs.IsWarmingUp(run, a.Name)),
            elapsedSeconds = Math.Round(Stopwatch.GetElapsedTime(run.StartedTimestamp).TotalSeconds, 1),
            agentLines = run.AgentLines,
            requests = totals.Requests,
            errors = totals.Errors,
            rps = totals.RequestsPerSecond,
            p50Ms = totals.P50,
            p99Ms = totals.P99,
            stopReason = run.StopReason,
            agents = run.Agents.Select(a =>
            {
                var t = totals.Agents.FirstOrDefault(x => x.Name == a.Name);
                return new
                {
                    name = a.Name,
                    // A lost agent that delivered its end after reconnecting has ended: its figures are all in.
                    state = t?.Ended == true ? "ended" : a.Lost ? AgentConnection.Lost : runs.IsWarmingUp(run, a.Name) ? AgentConnection.WarmingUpState : AgentConnection.Running,
                    stopReason = run.Merge.EndOf(a.Name)?.StopReason ?? a.LostReason,
                    requests = t?.Requests ?? 0,
                    rps = t?.RequestsPerSecond ?? 0,
                    errors = t?.Errors ?? 0,
                    users = a.Users,
                    rate = a.Rate,
                };
            }),
        };
    }

    /// <summary>Reads POST /runs strictly: unknown fields, wrong types and out-of-range values are named in the error.</summary>
    internal static async Task<(RunRequest? Body, ApiError? Error)> ReadStart(HttpRequest request)
    {
        var (body, error) = await StrictBody.ReadAsync<RunStartBody>(request);
        return body is null ? (null, error) : body.ToRequest();
    }

    internal static async Task<(int? Users, double? Rate, bool? AgentLines, ApiError? Error)> ReadChange(HttpRequest request)
    {
        var (body, error) = await StrictBody.ReadAsync<RunChangeBody>(request);
        error ??= body!.Refusal();
        return error is null ? (body!.Users, body.Rate, body.AgentLines, null) : (null, null, null, error);
    }
}
