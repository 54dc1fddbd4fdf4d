using System.Diagnostics;
using LiveDash.Admin;

namespace LiveDash.Store;

/// <summary>The JSON twins of the store pages: the same <see cref="StoreService"/> calls, as JSON.</summary>
public static class StoreApi
{
    static readonly long StartedAt = Stopwatch.GetTimestamp();

    public static void MapStoreApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api");

        api.MapGet("/products", async (string? search, string? page, StoreService store, CancellationToken ct) =>
        {
            if (!StoreInput.TrySearch(search, out var s, out var error)) return BadRequest(error, "search");
            if (!StoreInput.TryPage(page, out var p, out error)) return BadRequest(error, "page");
            return Results.Ok(await store.SearchProductsAsync(s, p, ct));
        });

        api.MapGet("/products/{id}", async (string id, StoreService store, CancellationToken ct) =>
        {
            if (!StoreInput.TryId("id", id, out var productId, out var error)) return BadRequest(error, "id");
            return await store.FindProductAsync(productId, ct) is { } product
                ? Results.Ok(product)
                : Results.NotFound(new ApiError($"no product with id {productId}", "id"));
        });

        api.MapGet("/orders", async (string? user, StoreService store, CancellationToken ct) =>
        {
            if (!StoreInput.TryId("user", user, out var userId, out var error)) return BadRequest(error, "user");
            var result = await store.UserOrdersAsync(userId, ct);
            return result.Outcome switch
            {
                OrdersOutcome.Ok => Results.Ok(result.Orders),
                OrdersOutcome.UnknownUser => Results.NotFound(new ApiError($"no user with id {userId}", "user")),
                _ => Results.Json(new ApiError($"user {userId} is deactivated; their orders are not shown", "user"), statusCode: StatusCodes.Status403Forbidden),
            };
        });

        api.MapGet("/health", Health);
    }

    static async Task<IResult> Health(IStoreBackend backend, RuntimeSettings settings, CancellationToken ct)
    {
        string status = "ok";
        string? error = null;
        var clock = Stopwatch.StartNew();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(4));
        try
        {
            await backend.PingAsync(timeout.Token);
        }
        catch (Exception e) when (e is StoreUnavailableException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            status = "unavailable";
            error = e is OperationCanceledException ? "the database did not answer within 4 s" : e.Message;
        }
        var current = settings.Current;
        var body = new
        {
            status = status == "ok" ? "ok" : "degraded",
            app = "ok",
            uptimeSeconds = Math.Round(Stopwatch.GetElapsedTime(StartedAt).TotalSeconds, 1),
            database = new { backend = backend.Name, status, pingMs = Math.Round(clock.Elapsed.TotalMilliseconds, 1), error, details = backend.Describe() },
            settings = new { mode = current.Mode.ToString(), current.DbLatencyMs, current.MinThreads, current.Workers },
        };
        return Results.Json(body, statusCode: status == "ok" ? 200 : 503);
    }

    static IResult BadRequest(string? message, string field) => Results.BadRequest(new ApiError(message ?? "bad request", field));
}
