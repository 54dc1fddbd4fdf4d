using System.Text.Json;
using LiveDash.Admin;
using LiveDash.Store;
using Microsoft.AspNetCore.Http.Features;
using LiveDash.Site;

namespace LiveDash.Lecture;

/// <summary>
/// POST /admin/api/lecture/run (admin): <c>{ "modes"?: ["Sync","Async"], "workers"?: 1, "dbLatencyMs"?: 500 }</c>.
/// The server runs the lecture on itself and answers each mode's completion order and requests; each run is
/// also posted to the lecture board, so every dashboard draws it.
/// </summary>
public static class LectureRunApi
{
    public const int MaxDbLatencyMs = 2000;
    const long MaxBodyBytes = 4 * 1024;
    const string Shape = "{\"modes\":[\"Sync\",\"Async\"],\"workers\":1,\"dbLatencyMs\":500}";
    static readonly StoreMode[] DefaultModes = [StoreMode.Sync, StoreMode.Async];
    static readonly JsonSerializerOptions Strict = new(JsonSerializerOptions.Web) { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict };

    sealed record Body(string?[]? Modes, int? Workers, int? DbLatencyMs);

    public static void AddLecture(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<LectureRunner>();
        builder.Services.AddSingleton<LessonBoard>();
    }

    public static void MapLectureRunApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/admin/api/lecture/run", async (HttpRequest request, LectureRunner runner) =>
        {
            var (asked, error) = await ReadAsync(request);
            if (error is not null) return ApiProblem.Result(error, 400);
            var (runs, refused) = await runner.RunAsync(asked!, request.HttpContext.RequestAborted);
            if (refused is not null) return refused.Field is "server" ? ApiProblem.Result(refused, StatusCodes.Status503ServiceUnavailable) : ApiProblem.Result(refused, 409);
            return Results.Ok(new { runs });
        }).RequireAuthorization(AdminExtensions.ApiPolicy);
        app.MapLessonApi();
    }

    internal static async Task<(LectureRunRequest? Request, ApiError? Error)> ReadAsync(HttpRequest request)
    {
        if (request.ContentLength > MaxBodyBytes) return (null, new ApiError($"the body must be at most {MaxBodyBytes} bytes", "body"));
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = MaxBodyBytes;
        Body? body;
        if (request.ContentLength == 0) body = new Body(null, null, null);
        else
        {
            try
            {
                body = await JsonSerializer.DeserializeAsync<Body>(request.Body, Strict, request.HttpContext.RequestAborted);
            }
            catch (JsonException e)
            {
                var field = ApiProblem.JsonField(e.Path) is { } name ? char.ToLowerInvariant(name[0]) + name[1..] : "body";
                return (null, new ApiError($"{field} has the wrong type or the body is not JSON: the body is like {Shape}", field));
            }
            catch (BadHttpRequestException e)
            {
                return (null, new ApiError($"the body could not be read: {e.Message}", "body"));
            }
        }
        if (body is null) return (null, new ApiError($"the body must be a JSON object like {Shape}", "body"));

        var modes = new List<StoreMode>();
        if (body.Modes is { } names)
        {
            if (names.Length is < 1 or > 3) return (null, new ApiError("modes must list 1 to 3 modes", "modes"));
            foreach (var name in names)
            {
                if (!StoreModes.TryParse(name, out var mode))
                    return (null, new ApiError($"modes must list modes from {string.Join(", ", Enum.GetNames<StoreMode>())}, got '{name}'", "modes"));
                modes.Add(mode);
            }
        }
        else modes.AddRange(DefaultModes);

        var workers = body.Workers ?? 1;
        if (workers is < 0 or > RuntimeSettings.MaxWorkers)
            return (null, new ApiError($"workers must be between 0 (the .NET thread pool) and {RuntimeSettings.MaxWorkers}, got {workers}", "workers"));
        var latency = body.DbLatencyMs ?? 500;
        if (latency is < 0 or > MaxDbLatencyMs)
            return (null, new ApiError($"dbLatencyMs must be between 0 and {MaxDbLatencyMs} for the lecture, got {latency}", "dbLatencyMs"));
        return (new LectureRunRequest(modes, workers, latency), null);
    }
}
