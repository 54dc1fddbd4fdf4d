using System.Diagnostics;
using LiveDash.Admin;
using LiveDash.Site;

namespace LiveDash.Store;

/// <summary>The JSON twins of the store pages: the same <see cref="StoreService"/> calls, as JSON.</summary>
public static class StoreApi
{
    static readonly long StartedAt = Stopwatch.GetTimestamp();

    public static void MapStoreApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").SkipsSignIn();
        // A singleton, taken once: a handler parameter would open a service scope on every request.
        var store = app.ServiceProvider.GetRequiredService<StoreService>();

        // Query fields are read raw (not bound) so repeated or malformed ones get the same 400 as on the pages.
        api.MapGet("/products", async (HttpRequest request, CancellationToken ct) =>
        {
            if (!StoreInput.TrySearch(request.Query["search"], out var s, out var error)) return BadRequest(error, "search");
            if (!StoreInput.TryPage(request.Query["page"], out var p, out error)) return BadRequest(error, "page");
            return Results.Ok(await store.SearchProductsAsync(s, p, ct));
        });

        api.MapGet("/products/{id}", async (string id, CancellationToken ct) =>
        {
            if (!StoreInput.TryId("id", id, out var productId, out var error)) return BadRequest(error, "id");
            return await store.FindProductAsync(productId, ct) is { } product
                ? Results.Ok(product)
                : ApiProblem.Result(new ApiError($"no product with id {productId}", "id"), 404);
        });

        api.MapGet("/orders", async (HttpRequest request, CancellationToken ct) =>
        {
            if (!StoreInput.TryId("user", request.Query["user"], out var userId, out var error)) return BadRequest(error, "user");
            var result = await store.UserOrdersAsync(userId, ct);
            return result.Outcome switch
            {
                OrdersOutcome.Ok => Results.Ok(result.Orders),
                OrdersOutcome.UnknownUser => ApiProblem.Result(new ApiError($"no user with id {userId}", "user"), 404),
                _ => ApiProblem.Result(new ApiError($"user {userId} is deactivated; their orders are not shown", "user"), StatusCodes.Status403Forbidden),
            };
        });

        api.MapGet("/health", (IStoreBackend backend, StoreHealth health, RuntimeSettings settings, CancellationToken ct) =>
            HealthAsync(backend, health, settings, withDetails: false, ct));
    }

    /// <summary>
    /// The health answer: 200 when the database answers and the store is seeded, else 503. Anonymous callers get the
    /// status only; the admin view (<paramref name="withDetails"/>) adds where the database is. Error text stays in the log.
    /// </summary>
    public static async Task<IResult> HealthAsync(IStoreBackend backend, StoreHealth health, RuntimeSettings settings, bool withDetails, CancellationToken ct)
    {
        var status = "ok";
        var clock = Stopwatch.StartNew();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(4));
        var started = health.CallStarted();
        try
        {
            await backend.PingAsync(timeout.Token);
            health.ReportAvailable(started);
            if (!health.IsSeeded) status = "not seeded";
        }
        catch (StoreBusyException busy)
        {
            // Busy is not down: a load balancer must not take out an instance for it (that would only pile its load on the others).
            status = "busy";
            health.ReportBusy(busy);
        }
        catch (Exception e) when (e is StoreUnavailableException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            status = "unavailable";
            health.ReportUnavailable(e is OperationCanceledException ? "the database did not answer a health check within 4 s" : e.Message);
        }
        var current = settings.Current;
        var database = new Dictionary<string, object?>
        {
            ["backend"] = backend.Name,
            ["status"] = status,
            ["seeded"] = health.IsSeeded,
            ["pingMs"] = Math.Round(clock.Elapsed.TotalMilliseconds, 1),
        };
        if (withDetails) database["details"] = backend.Describe();
        var body = new
        {
            status = status == "ok" ? "ok" : "degraded",
            app = "ok",
            uptimeSeconds = Math.Round(Stopwatch.GetElapsedTime(StartedAt).TotalSeconds, 1),
            database,
            settings = new { mode = current.Mode.ToString(), current.DbLatencyMs, current.MinThreads, current.Workers },
        };
        return Results.Json(body, statusCode: status is "ok" or "busy" ? 200 : 503);
    }

    static IResult BadRequest(string? message, string field) => ApiProblem.Result(new ApiError(message ?? "bad request", field), 400);
}
