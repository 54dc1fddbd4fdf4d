using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using LiveDash.Admin;
using LiveDash.Telemetry;
using Microsoft.Extensions.DependencyInjection;

namespace LiveDash.Tests.Telemetry;

public class TelemetryHubTests(KestrelApp app) : IClassFixture<KestrelApp>
{
    static CancellationToken Within(int seconds) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    [Theory]
    [InlineData("/hubs/telemetry")]
    [InlineData("/hubs/farm")]
    public async Task AnOpenHubConnectionIsNotARequestInFlight(string hub)
    {
        var ct = Within(30);
        var feed = app.Services.GetRequiredService<LiveDashFeed>();
        await using var dashboard = await DashboardClient.ConnectAsync(app.BaseAddress, ct, hub);
        using var http = app.Http();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/ping", ct)).StatusCode);
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        // The ping is counted out just after its response is sent; the open hub connection must never be counted in.
        while (feed.Latest is not { } tick || tick.UnixMs <= after || tick.InFlight != 0) await Task.Delay(20, ct);
        Assert.Equal(0, feed.Latest!.InFlight);
    }

    [Fact]
    public async Task TicksStreamOverTheJsonProtocolWithTheOrdersRoundTrips()
    {
        var ct = Within(30);
        await using var dashboard = await DashboardClient.ConnectAsync(app.BaseAddress, ct);
        dashboard.StartTicks(ct);
        using var http = app.Http();
        // Some seeded users are deactivated (403 after one round trip); the active ones take two.
        for (var user = 1; user <= 20; user++) Assert.True((int)(await http.GetAsync($"/api/orders?user={user}", ct)).StatusCode < 500);

        long lastSeq = 0, ok = 0;
        JsonElement? orders = null;
        while (orders is null)
        {
            var frame = await dashboard.NextTickAsync();
            Assert.Equal(0, frame.GetProperty("d").GetInt64());
            var tick = frame.GetProperty("k");
            // Each frame carries when the server sent it, for the page's "this view is N ms behind the server".
            Assert.InRange(frame.GetProperty("s").GetInt64(), tick.GetProperty("t").GetInt64(), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 1000);
            var seq = tick.GetProperty("n").GetInt64();
            Assert.True(seq > lastSeq, $"tick {seq} after {lastSeq}");
            lastSeq = seq;
            Assert.Equal(5, tick.GetProperty("p").GetArrayLength());
            ok += tick.GetProperty("ok").GetInt64();
            if (tick.GetProperty("w").ValueKind != JsonValueKind.Array) continue;
            var labels = tick.GetProperty("lb").EnumerateArray().Select(l => l.GetString()).ToArray();
            foreach (var entry in tick.GetProperty("w").EnumerateArray())
            {
                if (entry.GetProperty("r").GetString() != "/api/orders" || entry.GetProperty("c").GetInt32() != 200) continue;
                Assert.Equal(["find-user", "recent-orders"], entry.GetProperty("l").EnumerateArray().Select(i => labels[i.GetInt32()]));
                orders = entry;
                break;
            }
        }
        Assert.True(ok >= 1);
        var db = orders.Value.GetProperty("db").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal(4, db.Length);
        Assert.Equal(200, orders.Value.GetProperty("c").GetInt32());
        Assert.True(db[0] >= orders.Value.GetProperty("q").GetDouble() && db[1] > db[0] && db[2] >= db[1] && db[3] > db[2]);
        Assert.True(db[3] <= orders.Value.GetProperty("d").GetDouble());
    }

    [Fact]
    public async Task ADashboardThatLeavesEndsItsStreamWithoutAFailureInTheLog()
    {
        var ct = Within(30);
        var since = DateTimeOffset.UtcNow;
        for (var i = 0; i < 3; i++)
        {
            await using var dashboard = await DashboardClient.ConnectAsync(app.BaseAddress, ct);
            dashboard.StartTicks(ct);
            await dashboard.NextTickAsync();
        }
        await Task.Delay(TimeSpan.FromSeconds(1), ct);
        // SignalR logs a stream that ends in an exception as a failure; a closed dashboard is the normal end.
        Assert.DoesNotContain(app.Logs.Since(since), l => l.Level >= Microsoft.Extensions.Logging.LogLevel.Warning && l.Category.StartsWith("Microsoft.AspNetCore.SignalR"));
    }

    [Fact]
    public async Task AStalledDashboardDoesNotHoldUpAnother()
    {
        var ct = Within(30);
        // A dashboard that asks for ticks and then never reads its socket again (the SignalR client always
        // reads, into a queue of its own, so this one speaks the JSON protocol over a bare WebSocket).
        using var stalled = new ClientWebSocket();
        await stalled.ConnectAsync(new UriBuilder(app.BaseAddress) { Scheme = "ws", Path = "/hubs/telemetry" }.Uri, ct);
        foreach (var message in new[] { """{"protocol":"json","version":1}""", """{"type":4,"invocationId":"t","target":"Ticks","arguments":[]}""" })
            await stalled.SendAsync(Encoding.UTF8.GetBytes(message + '\u001e'), WebSocketMessageType.Text, true, ct);
        await using var reader = await DashboardClient.ConnectAsync(app.BaseAddress, ct);
        reader.StartTicks(ct);

        var since = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var live = 0;
        while (live < 8)
        {
            var tick = (await reader.NextTickAsync()).GetProperty("k");
            if (tick.GetProperty("t").GetInt64() > since) live++;
        }
        // Each dashboard's queue stays bounded however long it stalls: TickBroadcasterTests in the library's tests.
    }

    [Fact]
    public async Task AModeChangeReachesDashboardsAsAnEventAndInTheNextTick()
    {
        var ct = Within(30);
        await using var dashboard = await DashboardClient.ConnectAsync(app.BaseAddress, ct);
        dashboard.StartTicks(ct);
        using var admin = app.Http(admin: true);
        var settings = app.Services.GetRequiredService<RuntimeSettings>();
        var target = settings.Current.Mode == StoreMode.Sync ? "SyncOverAsync" : "Sync";
        var since = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 1;

        (await admin.PutAsJsonAsync("/admin/api/settings", new { mode = target }, ct)).EnsureSuccessStatusCode();

        var (pushed, change0) = await dashboard.NextEventAsync(ct);
        Assert.Equal("SettingsChanged", pushed);
        Assert.Equal(target, change0.GetProperty("v").GetString());
        while (true)
        {
            var tick = (await dashboard.NextTickAsync()).GetProperty("k");
            if (tick.GetProperty("ch").ValueKind != JsonValueKind.Array) continue;
            var change = tick.GetProperty("ch").EnumerateArray().FirstOrDefault(c => c.GetProperty("f").GetString() == "mode" && c.GetProperty("at").GetInt64() >= since);
            if (change.ValueKind == JsonValueKind.Undefined) continue;
            Assert.Equal(target, change.GetProperty("v").GetString());
            Assert.Equal((int)Enum.Parse<StoreMode>(target), tick.GetProperty("m").GetInt32());
            break;
        }
        (await admin.PutAsJsonAsync("/admin/api/settings", new { mode = "Async" }, ct)).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task ClientTicksNeedTheAdminAndAreValidated()
    {
        var ct = Within(30);
        using var anonymous = app.Http();
        using var admin = app.Http(admin: true);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
        var good = $$"""{"run":"orders-smoke","t":{{now}},"rps":412.5,"p50":61.2,"p99":140,"errors":3}""";

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/admin/api/client-ticks", Json(good), ct)).StatusCode);
        foreach (var (body, field) in new[]
        {
            ("not json", "body"),
            ("[1,2]", "body"),
            ($$"""{"t":{{now}},"rps":1,"p50":1,"p99":1,"errors":0}""", "run"),
            ($$"""{"run":"x","t":"soon","rps":1,"p50":1,"p99":1,"errors":0}""", "t"),
            ($$"""{"run":"x","t":{{now}},"rps":-1,"p50":1,"p99":1,"errors":0}""", "rps"),
            ($$"""{"run":"x","t":{{now}},"rps":1,"p50":"fast","p99":1,"errors":0}""", "p50"),
            ($$"""{"run":"x","t":{{now}},"rps":1,"p50":1,"p99":1,"errors":1.5}""", "errors"),
            ($$"""{"run":"x","t":1,"rps":1,"p50":1,"p99":1,"errors":0}""", "t"),
        })
        {
            var response = await admin.PostAsync("/admin/api/client-ticks", Json(body), ct);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var error = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
            Assert.Equal(field, error.GetProperty("field").GetString());
            Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("error").GetString()));
        }

        var feed = app.Services.GetRequiredService<LiveDashFeed>();
        var received = new TaskCompletionSource<ClientTick>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnTick(Tick tick, LatencyHistogram _)
        {
            if (tick.ClientTicks?.FirstOrDefault(c => c.Run == "orders-smoke") is { } mine) received.TrySetResult(mine);
        }
        feed.TickCollected += OnTick;
        try
        {
            Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsync("/admin/api/client-ticks", Json(good), ct)).StatusCode);
            Assert.Equal(new ClientTick("orders-smoke", now, 412.5, 61.2, 140, 3), await received.Task.WaitAsync(ct));
        }
        finally
        {
            feed.TickCollected -= OnTick;
        }
    }
}
