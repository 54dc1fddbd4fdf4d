using System.Net.Http.Json;
using System.Text.Json;
using LiveDash.Tests.Shared;
using Xunit.Abstractions;

namespace LiveDash.Tests.Telemetry;

/// <summary>
/// The store's /api/orders in each mode under 40 closed-loop clients (two 25 ms round trips in PostgreSQL): Sync holds
/// its threads blocked on the database, Async holds almost none while it awaits, SyncOverAsync blocks in a wait.
/// Coarse bounds for a loaded 2-core machine; bench/thread-time.sh prints the figures.
/// </summary>
[Collection(AloneCollection.Name)]
public class ThreadTimeTests(ITestOutputHelper output)
{
    const string Password = "thread-time-secret";
    static readonly string[] DatabaseWaits = ["wait inside a database call", "socket read"];

    static async Task<JsonElement> OrdersUnder(AppProcess app, HttpClient admin, string mode, CancellationToken ct)
    {
        (await admin.PutAsJsonAsync("/admin/api/settings", new { mode }, ct)).EnsureSuccessStatusCode();
        await StarvedPoolTests.LoadAsync(app.BaseAddress, TimeSpan.FromSeconds(1), ct);   // the pool settles into the mode
        await StarvedPoolTests.LoadAsync(app.BaseAddress, TimeSpan.FromSeconds(5), ct);
        var summary = await EndToEndLatencyTests.SummaryAfterQuietSecond(admin, seconds: 4, ct);
        Assert.Equal(mode, summary.GetProperty("mode").GetString());
        var orders = summary.GetProperty("endpoints").EnumerateArray().FirstOrDefault(e => e.GetProperty("route").GetString() == "/api/orders");
        Assert.True(orders.ValueKind == JsonValueKind.Object, $"no /api/orders in {summary}");
        return orders;
    }

    static double D(JsonElement e, string name) => e.GetProperty(name).GetDouble();

    static string MostlyBlockedIn(JsonElement e) => e.GetProperty("blockedBy").EnumerateObject().MaxBy(p => p.Value.GetDouble()).Name ?? "";

    [Fact]
    public async Task SyncHoldsItsThreadsBlockedOnTheDatabaseAndAsyncHoldsNone()
    {
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token;
        using var app = await AppProcess.StartAsync(Password, ct, ("LiveDash__Mode", "Sync"), ("LiveDash__DbLatencyMs", "25"));
        using var admin = app.Http(Password);

        var sync = await OrdersUnder(app, admin, "Sync", ct);
        var async = await OrdersUnder(app, admin, "Async", ct);
        var syncOverAsync = await OrdersUnder(app, admin, "SyncOverAsync", ct);
        output.WriteLine($"Sync {sync}\nAsync {async}\nSyncOverAsync {syncOverAsync}");

        Assert.True(D(sync, "blockedMs") >= 0.7 * D(sync, "onThreadMs"), $"Sync sits blocked on the database: {sync}");
        Assert.Contains(MostlyBlockedIn(sync), DatabaseWaits);
        Assert.True(D(sync, "onThreadMs") >= 45, $"two 25 ms round trips on its thread: {sync}");

        Assert.True(D(async, "blockedMs") <= 0.25 * D(async, "onThreadMs") + 0.5, $"Async barely blocks: {async}");
        Assert.True(D(async, "awaitingMs") >= 40, $"Async awaits its two round trips: {async}");
        Assert.True(D(async, "threadsHeld") <= 0.5 * D(sync, "threadsHeld"), $"Async holds far fewer threads: {async} against {sync}");

        Assert.True(D(syncOverAsync, "blockedMs") >= 0.7 * D(syncOverAsync, "onThreadMs"), $"SyncOverAsync blocks in a wait: {syncOverAsync}");
        Assert.Contains(MostlyBlockedIn(syncOverAsync), new[] { "lock or wait", "wait inside a database call" });
    }
}
