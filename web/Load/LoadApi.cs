using System.Diagnostics;
using System.Text.Json;
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
    const string Shape = "{\"scenario\":\"url\",\"path\":\"/api/ping\",\"rate\":200,\"durationSeconds\":30,\"agents\":[\"a\",\"b\"]}";

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
        using var doc = await ParseObject(request);
        if (doc is null) return (null, new ApiError($"the body must be a JSON object like {Shape}", "body"));
        string? scenario = null, path = null;
        int? users = null;
        double? rate = null, duration = null, warmUp = null;
        List<string>? agents = null;
        var lines = false;
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            switch (p.Name)
            {
                case "scenario":
                    if (p.Value.ValueKind != JsonValueKind.String) return (null, new ApiError("scenario must be a scenario name", "scenario"));
                    scenario = p.Value.GetString();
                    break;
                case "path":
                    if (p.Value.ValueKind == JsonValueKind.Null) break;
                    if (p.Value.ValueKind != JsonValueKind.String || p.Value.GetString() is not { Length: > 0 and <= 2000 } text)
                        return (null, new ApiError("path must be a path like /api/products/1", "path"));
                    path = text;
                    break;
                case "users":
                    if (p.Value.ValueKind == JsonValueKind.Null) break;
                    if (!p.Value.TryGetInt32(out var u) || u is < 1 or > ScenarioFile.MaxCopies)
                        return (null, new ApiError($"users must be a whole number from 1 to {ScenarioFile.MaxCopies}", "users"));
                    users = u;
                    break;
                case "rate":
                    if (p.Value.ValueKind == JsonValueKind.Null) break;
                    if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetDouble(out var r) || !(r > 0 && r <= ScenarioFile.MaxRate))
                        return (null, new ApiError($"rate must be a number of arrivals per second, more than 0 and at most {ScenarioFile.MaxRate}", "rate"));
                    rate = r;
                    break;
                case "durationSeconds":
                    if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetDouble(out var d) || !(d >= 1 && d <= MaxDurationSeconds))
                        return (null, new ApiError($"durationSeconds must be a number of seconds from 1 to {MaxDurationSeconds:0}", "durationSeconds"));
                    duration = d;
                    break;
                case "warmUpSeconds":
                    if (p.Value.ValueKind == JsonValueKind.Null) break;
                    if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetDouble(out var w) || !(w >= 0 && w <= LoadAgent.MaxWarmUpSeconds))
                        return (null, new ApiError($"warmUpSeconds must be a number of seconds from 0 to {LoadAgent.MaxWarmUpSeconds:0} (load sent first and not counted; the scenario's own when left out)", "warmUpSeconds"));
                    warmUp = w;
                    break;
                case "agents":
                    if (p.Value.ValueKind == JsonValueKind.Null) break;
                    if (p.Value.ValueKind != JsonValueKind.Array || p.Value.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String || e.GetString() is not { Length: > 0 }))
                        return (null, new ApiError("agents must be a list of agent names, like [\"a\",\"b\"] (GET /admin/api/load/agents lists them)", "agents"));
                    agents = p.Value.EnumerateArray().Select(e => e.GetString()!).ToList();
                    break;
                case "agentLines":
                    if (p.Value.ValueKind is not (JsonValueKind.True or JsonValueKind.False)) return (null, new ApiError("agentLines must be true or false", "agentLines"));
                    lines = p.Value.GetBoolean();
                    break;
                default:
                    return (null, new ApiError($"unknown field '{p.Name}'; a run takes scenario, path, users or rate, durationSeconds, warmUpSeconds, agents, agentLines", p.Name));
            }
        }
        if (scenario is null) return (null, new ApiError($"scenario is required: one of {string.Join(", ", LoadAgent.AgentScenarios())}", "scenario"));
        if (duration is null) return (null, new ApiError($"durationSeconds is required (1 to {MaxDurationSeconds:0})", "durationSeconds"));
        if (users is not null && rate is not null) return (null, new ApiError("give users (closed model) or rate (open model), not both", "users"));
        if (!LoadAgent.AgentScenarios().Contains(scenario))
            return (null, new ApiError($"unknown scenario '{scenario}'; agents run {string.Join(", ", LoadAgent.AgentScenarios())}", "scenario"));
        if (scenario == ScenarioCatalog.Url && path is null) return (null, new ApiError("path is required for the url scenario, e.g. /api/ping or /api/orders?user=7", "path"));
        if (scenario != ScenarioCatalog.Url && path is not null) return (null, new ApiError($"path applies to the url scenario only (scenario here: {scenario})", "path"));
        Scenario resolved;
        try
        {
            resolved = ScenarioCatalog.Resolve(scenario, new ScenarioOverrides(TimeSpan.FromSeconds(duration.Value), Path: path));
        }
        catch (ScenarioException e)
        {
            var field = e.Message.Contains("--path", StringComparison.Ordinal) ? "path" : "scenario";
            return (null, new ApiError(e.Message.Replace("options --path: ", "path ", StringComparison.Ordinal), field));
        }
        var open = rate is not null || (users is null && resolved.IsOpen);
        // As the load runner does, a warm-up is never longer than the run itself.
        var warmUpSeconds = Math.Min(warmUp ?? resolved.WarmUp.TotalSeconds, duration.Value);
        return (new RunRequest(scenario, path, users, rate, duration.Value, agents, lines, open, warmUpSeconds), null);
    }

    internal static async Task<(int? Users, double? Rate, bool? AgentLines, ApiError? Error)> ReadChange(HttpRequest request)
    {
        using var doc = await ParseObject(request);
        if (doc is null) return (null, null, null, new ApiError("the body must be a JSON object like {\"rate\":300} or {\"users\":50}", "body"));
        int? users = null;
        double? rate = null;
        bool? lines = null;
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            switch (p.Name)
            {
                case "users":
                    if (!p.Value.TryGetInt32(out var u) || u is < 0 or > ScenarioFile.MaxCopies)
                        return (null, null, null, new ApiError($"users must be a whole number from 0 to {ScenarioFile.MaxCopies}", "users"));
                    users = u;
                    break;
                case "rate":
                    if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetDouble(out var r) || !(r >= 0 && r <= ScenarioFile.MaxRate))
                        return (null, null, null, new ApiError($"rate must be a number of arrivals per second from 0 to {ScenarioFile.MaxRate}", "rate"));
                    rate = r;
                    break;
                case "agentLines":
                    if (p.Value.ValueKind is not (JsonValueKind.True or JsonValueKind.False)) return (null, null, null, new ApiError("agentLines must be true or false", "agentLines"));
                    lines = p.Value.GetBoolean();
                    break;
                default:
                    return (null, null, null, new ApiError($"unknown field '{p.Name}'; a change takes users or rate (and agentLines)", p.Name));
            }
        }
        if (users is not null && rate is not null) return (null, null, null, new ApiError("give users or rate, not both", "users"));
        if (users is null && rate is null && lines is null) return (null, null, null, new ApiError("give users or rate (or agentLines)", "body"));
        return (users, rate, lines, null);
    }

    static async Task<JsonDocument?> ParseObject(HttpRequest request)
    {
        try
        {
            var doc = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
            if (doc.RootElement.ValueKind == JsonValueKind.Object) return doc;
            doc.Dispose();
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
