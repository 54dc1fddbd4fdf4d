using LiveDash.Store;
using LiveDash.Store.Postgres;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

// The yardstick for LiveDash's hot path: /api/orders's two statements through the same PostgresStore and
// the same pool settings, on a bare minimal API: no telemetry, no StoreService, no auth, pages or static files.
// Usage: dotnet LiveDash.Bench.BareOrders.dll --urls URL   (ConnectionStrings__Postgres, BARE_DB_LATENCY_MS)
var builder = WebApplication.CreateBuilder(args);
builder.Logging.ClearProviders();
var csb = new NpgsqlConnectionStringBuilder(builder.Configuration.GetConnectionString("Postgres")
    ?? throw new InvalidOperationException("set ConnectionStrings__Postgres"))
{
    MaxPoolSize = 250, NoResetOnClose = true, MaxAutoPrepare = 20, Options = "-c plan_cache_mode=force_generic_plan",
};
var latency = int.TryParse(Environment.GetEnvironmentVariable("BARE_DB_LATENCY_MS"), out var ms) ? ms : 25;
var store = new PostgresStore(new NpgsqlDataSourceBuilder(csb.ConnectionString).Build(), new SeedData(), NullLogger<PostgresStore>.Instance);
var app = builder.Build();

app.MapGet("/bare/orders", async (int user, CancellationToken ct) =>
{
    var account = await store.FindUserAsync(user, latency, ct);
    if (account is null) return Results.NotFound();
    if (!account.IsActive) return Results.StatusCode(StatusCodes.Status403Forbidden);
    return Results.Ok(new UserOrders(account, await store.RecentOrdersAsync(user, latency, ct)));
});
app.Run();
