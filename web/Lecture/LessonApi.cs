using System.Text.Json;
using System.Text.Json.Serialization;
using LiveDash.Admin;
using LiveDash.Store;
using LiveDash.Telemetry;
using Microsoft.AspNetCore.Http.Features;
using LiveDash.Site;

namespace LiveDash.Lecture;

/// <summary>
/// One line of the lesson's results table: what a step ran and what was measured then (null = not measured); Requests and
/// Errors are the load agents' own count for the step's whole crowd (its run's totals once every agent reported its end).
/// </summary>
public sealed record LessonRow(
    [property: JsonPropertyName("step")] int Step,
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("rps")] double? Rps,
    [property: JsonPropertyName("p50Ms")] double? P50Ms,
    [property: JsonPropertyName("p99Ms")] double? P99Ms,
    [property: JsonPropertyName("inAppMs")] double? InAppMs,
    [property: JsonPropertyName("waitMs")] double? WaitMs,
    [property: JsonPropertyName("peakThreads")] int? PeakThreads,
    [property: JsonPropertyName("queued")] long? Queued,
    [property: JsonPropertyName("note")] string? Note,
    [property: JsonPropertyName("requests")] long? Requests = null,
    [property: JsonPropertyName("errors")] long? Errors = null);

/// <summary>What the lesson shows every viewer: its results rows, the text each step wrote, and the last lecture run.</summary>
public sealed record LessonState(
    [property: JsonPropertyName("rev")] long Rev,
    [property: JsonPropertyName("rows")] LessonRow[] Rows,
    [property: JsonPropertyName("explain")] Dictionary<int, string> Explain,
    [property: JsonPropertyName("lectures")] IReadOnlyList<LectureReport> Lectures);

/// <summary>The lesson's results until an admin resets them (a copy-on-write snapshot: reads take no lock).</summary>
public sealed class LessonBoard
{
    public const int MaxRows = 40;
    readonly Lock _gate = new();
    volatile LessonState _state = new(0, [], [], []);

    public LessonState State => _state;

    public void Add(LessonRow row, string? explain)
    {
        lock (_gate)
        {
            var s = _state;
            var explained = new Dictionary<int, string>(s.Explain);
            if (explain is not null) explained[row.Step] = explain;
            _state = s with { Rev = s.Rev + 1, Rows = [.. s.Rows.TakeLast(MaxRows - 1), row], Explain = explained };
        }
    }

    public void Lectures(IReadOnlyList<LectureReport> runs)
    {
        lock (_gate) _state = _state with { Rev = _state.Rev + 1, Lectures = runs };
    }

    public void Reset()
    {
        lock (_gate) _state = new(_state.Rev + 1, [], [], []);
    }
}

/// <summary>GET /api/lesson (anyone: the lesson and its results); POST /admin/api/lesson/rows and DELETE /admin/api/lesson (admins).</summary>
public static class LessonApi
{
    const long MaxBodyBytes = 8 * 1024;
    const int MaxText = 600;
    const double MaxValue = 10_000_000;
    const string Shape = "{\"step\":2,\"label\":\"Sync, thread pool\",\"rps\":310,\"p50Ms\":320,\"p99Ms\":900,\"inAppMs\":52,\"waitMs\":260,\"peakThreads\":31,\"queued\":70,\"requests\":2400,\"errors\":0,\"note\":\"…\",\"explain\":\"…\"}";

    sealed record Body(int? Step, string? Label, double? Rps, double? P50Ms, double? P99Ms, double? InAppMs, double? WaitMs, int? PeakThreads, long? Queued, string? Note, string? Explain, long? Requests = null, long? Errors = null);

    public static void MapLessonApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/lesson", (LessonBoard board) => Results.Ok(board.State)).SkipsSignIn();
        var admin = app.MapGroup("/admin/api/lesson").RequireAuthorization(AdminExtensions.ApiPolicy);
        admin.MapPost("/rows", async (HttpRequest request, LessonBoard board) =>
        {
            var (row, explain, error) = await ReadAsync(request);
            if (error is not null) return ApiProblem.Result(error, 400);
            board.Add(row!, explain);
            return Results.Ok(board.State);
        });
        admin.MapDelete("", (LessonBoard board) =>
        {
            board.Reset();
            return Results.Ok(board.State);
        });
    }

    static async Task<(LessonRow?, string?, ApiError?)> ReadAsync(HttpRequest request)
    {
        if (request.ContentLength > MaxBodyBytes) return (null, null, new ApiError($"the body must be at most {MaxBodyBytes} bytes", "body"));
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = MaxBodyBytes;
        Body? b;
        try
        {
            b = await JsonSerializer.DeserializeAsync<Body>(request.Body, JsonSerializerOptions.Web, request.HttpContext.RequestAborted);
        }
        catch (Exception e) when (e is JsonException or BadHttpRequestException)
        {
            return (null, null, new ApiError($"the body must be a JSON object like {Shape}", (e as JsonException)?.Path is var p && ApiProblem.JsonField(p) is { } field ? field : "body"));
        }
        if (b is null) return (null, null, new ApiError($"the body must be a JSON object like {Shape}", "body"));
        if (b.Step is not (>= 1 and <= 4)) return (null, null, new ApiError("step must be 1 to 4", "step"));
        if (!Text(b.Label, required: true)) return (null, null, new ApiError($"label must be 1 to {MaxText} printable characters", "label"));
        if (!Text(b.Note, required: false)) return (null, null, new ApiError($"note must be at most {MaxText} printable characters", "note"));
        if (!Text(b.Explain, required: false, MaxText * 2)) return (null, null, new ApiError($"explain must be at most {MaxText * 2} printable characters", "explain"));
        foreach (var (name, value) in new[] { ("rps", b.Rps), ("p50Ms", b.P50Ms), ("p99Ms", b.P99Ms), ("inAppMs", b.InAppMs), ("waitMs", b.WaitMs), ("peakThreads", (double?)b.PeakThreads), ("queued", (double?)b.Queued), ("requests", (double?)b.Requests), ("errors", (double?)b.Errors) })
            if (value is { } v && !(double.IsFinite(v) && v >= 0 && v <= MaxValue)) return (null, null, new ApiError($"{name} must be a number from 0 to {MaxValue}", name));
        var row = new LessonRow(b.Step.Value, b.Label!, Round(b.Rps), Round(b.P50Ms), Round(b.P99Ms), Round(b.InAppMs), Round(b.WaitMs), b.PeakThreads, b.Queued, b.Note, b.Requests, b.Errors);
        return (row, b.Explain, null);
    }

    static bool Text(string? text, bool required, int max = MaxText) =>
        text is null ? !required : text.Length is > 0 && text.Length <= max && !text.Any(c => char.IsControl(c));

    static double? Round(double? v) => v is { } x ? Math.Round(x, 1) : null;
}
