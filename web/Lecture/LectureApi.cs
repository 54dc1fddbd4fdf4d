using System.Text.Json;
using System.Text.Json.Serialization;
using LiveDash.Admin;
using LiveDash.Store;
using Microsoft.AspNetCore.Http.Features;
using LiveDash.Site;

namespace LiveDash.Lecture;

/// <summary>One of the lecture's requests as the lecture run saw it, with the server's own split of its time.</summary>
public sealed record LectureRow(
    [property: JsonPropertyName("n")] int Number,
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("sentMs")] double SentMs,
    [property: JsonPropertyName("doneMs")] double DoneMs,
    [property: JsonPropertyName("aloneMs")] double AloneMs,
    [property: JsonPropertyName("queuedMs")] double? QueuedMs,
    [property: JsonPropertyName("appMs")] double? AppMs,
    [property: JsonPropertyName("dbMs")] double? DbMs,
    [property: JsonPropertyName("status")] int Status)
{
    /// <summary>Its response time as the client saw it: sent → done.</summary>
    [JsonPropertyName("tookMs")] public double TookMs => Math.Round(DoneMs - SentMs, 1);
}

/// <summary>The last lecture run: the server model it ran on and its requests, for the dashboard's lecture panel.</summary>
public sealed record LectureReport(
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("t")] long UnixMs,
    [property: JsonPropertyName("mode")] string Mode,
    [property: JsonPropertyName("workers")] int Workers,
    [property: JsonPropertyName("dbLatencyMs")] int DbLatencyMs,
    [property: JsonPropertyName("requests")] LectureRow[] Requests)
{
    /// <summary>The completion order: request numbers by when each was done.</summary>
    [JsonPropertyName("order")] public int[] Order => [.. Requests.OrderBy(r => r.DoneMs).Select(r => r.Number)];
}

/// <summary>Holds the latest lecture run; the ticker sends it to the dashboards.</summary>
public sealed class LectureBoard
{
    long _nextId;
    volatile LectureReport? _latest;

    public LectureReport? Latest => _latest;

    public LectureReport Post(LectureReport report) => _latest = report with { Id = Interlocked.Increment(ref _nextId) };
}

/// <summary>POST /admin/api/lecture: the lecture run posts its three requests (HTTP Basic, like client ticks); GET returns the latest.</summary>
public static class LectureApi
{
    public const int MaxRequests = 8;
    public const int MaxPathLength = 80;
    const long MaxBodyBytes = 16 * 1024;
    const double MaxMs = 600_000;
    const string Shape = "{\"mode\":\"Sync\",\"workers\":1,\"dbLatencyMs\":300,\"requests\":[{\"n\":1,\"path\":\"/api/orders?user=1\",\"sentMs\":0,\"doneMs\":610,\"aloneMs\":605,\"queuedMs\":0.1,\"appMs\":2,\"dbMs\":603,\"status\":200}]}";

    sealed record Body(string? Mode, int? Workers, int? DbLatencyMs, LectureRow?[]? Requests);

    public static void MapLectureApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/admin/api/lecture").RequireAuthorization(AdminExtensions.ApiPolicy);
        api.MapPost("", async (HttpRequest request, LectureBoard board, TimeProvider time) =>
        {
            var (report, error) = await Read(request, time);
            if (error is not null) return ApiProblem.Result(error, 400);
            var posted = board.Post(report!);
            return Results.Created("/admin/api/lecture", posted);
        });
        api.MapGet("", (LectureBoard board) => board.Latest is { } latest ? Results.Ok(latest) : Results.NoContent());
    }

    internal static async Task<(LectureReport? Report, ApiError? Error)> Read(HttpRequest request, TimeProvider time)
    {
        if (request.ContentLength > MaxBodyBytes) return (null, new ApiError($"the body must be at most {MaxBodyBytes} bytes", "body"));
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = MaxBodyBytes;
        Body? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<Body>(request.Body, JsonSerializerOptions.Web, request.HttpContext.RequestAborted);
        }
        catch (Exception e) when (e is JsonException or BadHttpRequestException)
        {
            return (null, new ApiError($"the body must be a JSON object like {Shape}: {e.Message}", "body"));
        }
        if (body is null) return (null, new ApiError($"the body must be a JSON object like {Shape}", "body"));
        if (!StoreModes.TryParse(body.Mode, out var mode))
            return (null, new ApiError($"mode must be one of {string.Join(", ", Enum.GetNames<StoreMode>())}", "mode"));
        if (body.Workers is null || body.DbLatencyMs is null)
            return (null, new ApiError($"workers and dbLatencyMs are required: the body is like {Shape}", body.Workers is null ? "workers" : "dbLatencyMs"));
        // The run's settings are checked as the settings API checks them.
        if (RuntimeSettings.Validate(new SettingsUpdate(DbLatencyMs: body.DbLatencyMs, Workers: body.Workers)) is { } bad)
            return (null, new ApiError(bad.Message, bad.Field));
        if (body.Requests is not { Length: >= 1 and <= MaxRequests } rows)
            return (null, new ApiError($"requests must list 1 to {MaxRequests} requests", "requests"));
        var clean = new LectureRow[rows.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            var field = $"requests[{i}]";
            if (rows[i] is not { } r) return (null, new ApiError($"{field} must be an object", field));
            if (r.Number is < 1 or > MaxRequests) return (null, new ApiError($"{field}.n must be from 1 to {MaxRequests}", field + ".n"));
            if (r.Path is not { Length: > 0 and <= MaxPathLength } || r.Path[0] != '/' || r.Path.Any(char.IsControl))
                return (null, new ApiError($"{field}.path must be a path starting with / of at most {MaxPathLength} printable characters", field + ".path"));
            if (!InRange(r.SentMs)) return (null, new ApiError($"{field}.sentMs must be milliseconds from 0 to {MaxMs}", field + ".sentMs"));
            if (!InRange(r.DoneMs) || r.DoneMs < r.SentMs) return (null, new ApiError($"{field}.doneMs must be milliseconds from sentMs to {MaxMs}", field + ".doneMs"));
            if (!InRange(r.AloneMs)) return (null, new ApiError($"{field}.aloneMs must be milliseconds from 0 to {MaxMs}", field + ".aloneMs"));
            if (r.QueuedMs is { } q && !InRange(q)) return (null, new ApiError($"{field}.queuedMs must be milliseconds from 0 to {MaxMs}", field + ".queuedMs"));
            if (r.AppMs is { } a && !InRange(a)) return (null, new ApiError($"{field}.appMs must be milliseconds from 0 to {MaxMs}", field + ".appMs"));
            if (r.DbMs is { } d && !InRange(d)) return (null, new ApiError($"{field}.dbMs must be milliseconds from 0 to {MaxMs}", field + ".dbMs"));
            if (r.Status is < 0 or > 599) return (null, new ApiError($"{field}.status must be an HTTP status (0 when there was no answer)", field + ".status"));
            clean[i] = r with { SentMs = Round(r.SentMs), DoneMs = Round(r.DoneMs), AloneMs = Round(r.AloneMs), QueuedMs = Round(r.QueuedMs), AppMs = Round(r.AppMs), DbMs = Round(r.DbMs) };
        }
        return (new LectureReport(0, time.GetUtcNow().ToUnixTimeMilliseconds(), mode.ToString(), body.Workers.Value, body.DbLatencyMs.Value, clean), null);
    }

    static bool InRange(double v) => double.IsFinite(v) && v >= 0 && v <= MaxMs;
    static double Round(double v) => Math.Round(v, 1);
    static double? Round(double? v) => v is { } x ? Math.Round(x, 1) : null;
}
