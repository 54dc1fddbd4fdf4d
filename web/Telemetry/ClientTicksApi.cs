using System.Text.Json;
using LiveDash.Admin;
using LiveDash.AspNetCore;
using LiveDash.Store;
using LiveDash.Site;

namespace LiveDash.Telemetry;

/// <summary>POST /admin/api/client-ticks: a load run reports what its clients saw; dashboards draw it beside the server's view.</summary>
public static class ClientTicksApi
{
    public const int MaxRunNameLength = 40;
    const string Shape = "{\"run\":\"name\",\"t\":unixMs,\"rps\":n,\"p50\":ms,\"p99\":ms,\"errors\":n}";

    public static void MapClientTicksApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/admin/api/client-ticks", async (HttpRequest request, LiveDashFeed recorder, TimeProvider time) =>
        {
            var (tick, error) = await Read(request, time);
            if (error is not null) return ApiProblem.Result(error, 400);
            return recorder.AddClientTick(tick!)
                ? Results.Accepted()
                : TooMany("too many client ticks waiting for the next server tick; send at most a few per 250 ms");
        }).RequireAuthorization(AdminExtensions.ApiPolicy);
    }

    static IResult TooMany(string detail) => ApiProblem.Result(new ApiError(detail), StatusCodes.Status429TooManyRequests);

    internal static async Task<(ClientTick? Tick, ApiError? Error)> Read(HttpRequest request, TimeProvider time)
    {
        JsonDocument doc;
        try
        {
            doc = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
        }
        catch (JsonException e)
        {
            return (null, new ApiError($"the body must be a JSON object like {Shape}: {e.Message}", "body"));
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return (null, new ApiError($"the body must be a JSON object like {Shape}", "body"));
            if (!root.TryGetProperty("run", out var runElement) || runElement.ValueKind != JsonValueKind.String
                || runElement.GetString() is not { Length: > 0 and <= MaxRunNameLength } run || run.Any(char.IsControl))
                return (null, new ApiError($"run must be a name of 1 to {MaxRunNameLength} printable characters", "run"));
            if (!root.TryGetProperty("t", out var tElement) || tElement.ValueKind != JsonValueKind.Number || !tElement.TryGetInt64(out var t))
                return (null, new ApiError("t must be the time in whole Unix milliseconds", "t"));
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            if (Math.Abs(t - now) > 3_600_000) return (null, new ApiError($"t ({t}) is more than an hour away from the server's clock ({now})", "t"));
            if (Number(root, "rps") is not { } rps) return (null, new ApiError("rps must be a number of requests per second, 0 or more", "rps"));
            if (Number(root, "p50") is not { } p50) return (null, new ApiError("p50 must be a latency in milliseconds, 0 or more", "p50"));
            if (Number(root, "p99") is not { } p99) return (null, new ApiError("p99 must be a latency in milliseconds, 0 or more", "p99"));
            if (!root.TryGetProperty("errors", out var errElement) || errElement.ValueKind != JsonValueKind.Number || !errElement.TryGetInt64(out var errors) || errors < 0)
                return (null, new ApiError("errors must be a whole number, 0 or more", "errors"));
            return (new ClientTick(run, t, Math.Round(rps, 2), Math.Round(p50, 2), Math.Round(p99, 2), errors), null);
        }
    }

    static double? Number(JsonElement root, string name) =>
        root.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out var v) && double.IsFinite(v) && v >= 0 && v < 1e9 ? v : null;
}
