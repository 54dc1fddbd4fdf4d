using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using LiveDash.Admin;
using LiveDash.Tests.Telemetry;
using Npgsql;
using Xunit.Abstractions;
using LiveDash.Tests.Shared;

namespace LiveDash.Tests.Farm;

/// <summary>Two or more instances on the tests' database with one farm name: shared settings, one view of the farm.</summary>
public class FarmTests(ITestOutputHelper output)
{
    static CancellationToken Timeout(int seconds = 90) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    [Fact]
    public async Task ASettingsChangeOnOneInstanceIsAppliedByTheOtherWithinASecond()
    {
        var ct = Timeout();
        var farm = FarmApp.NewFarmName();
        await using var a = new FarmApp(farm, "a");
        await using var b = new FarmApp(farm, "b");
        await a.WaitListeningAsync(ct);
        await b.WaitListeningAsync(ct);
        using var adminA = a.Http();

        var started = Stopwatch.StartNew();
        (await adminA.PutAsJsonAsync("/admin/api/settings", new { mode = "SyncOverAsync", dbLatencyMs = 3 }, ct)).EnsureSuccessStatusCode();
        var elapsed = await WaitFor(() => b.Settings.Current is { Mode: StoreMode.SyncOverAsync, DbLatencyMs: 3 }, TimeSpan.FromSeconds(5), ct);
        output.WriteLine($"b applied a's change {elapsed.TotalMilliseconds:0} ms after a's PUT returned ({started.ElapsedMilliseconds} ms after it was sent)");
        Assert.True(elapsed < TimeSpan.FromSeconds(1), $"b took {elapsed.TotalMilliseconds:0} ms");
        Assert.Contains(b.Settings.Changes, c => c.Channel == "farm:a" && c.Field == "mode" && c.NewValue == "SyncOverAsync");

        // And back the other way; neither instance hears its own change back as a farm change (no echo, no loop).
        using var adminB = b.Http();
        (await adminB.PutAsJsonAsync("/admin/api/settings", new { mode = "Async" }, ct)).EnsureSuccessStatusCode();
        await WaitFor(() => a.Settings.Current.Mode == StoreMode.Async, TimeSpan.FromSeconds(5), ct);
        Assert.Contains(a.Settings.Changes, c => c.Channel == "farm:b" && c.Field == "mode" && c.NewValue == "Async");
        Assert.DoesNotContain(a.Settings.Changes, c => c.Channel == "farm:a");
        Assert.DoesNotContain(b.Settings.Changes, c => c.Channel == "farm:b");

        // The farm's log in the database has each change once, from the instance that made it.
        await WaitFor(() => StoredChanges(farm).Count >= 3, TimeSpan.FromSeconds(5), ct);
        await Task.Delay(300, ct);
        var stored = StoredChanges(farm);
        Assert.Equal(["a:api:dbLatencyMs", "a:api:mode", "b:api:mode"], stored.Order());
    }

    [Fact]
    public async Task OneInstanceShowsTheOtherInstancesRequestsAndTheFarmTotal()
    {
        var ct = Timeout();
        var farm = FarmApp.NewFarmName();
        await using var a = new FarmApp(farm, "a");
        await using var b = new FarmApp(farm, "b");
        await a.WaitListeningAsync(ct);
        _ = b.BaseAddress;
        using var adminA = a.Http();
        using var http = new HttpClient { BaseAddress = b.BaseAddress };

        for (var i = 0; i < 40; i++) (await http.GetAsync("/api/ping", ct)).EnsureSuccessStatusCode();
        JsonElement seenB = default;
        await WaitFor(() =>
        {
            var instances = adminA.GetFromJsonAsync<JsonElement>("/admin/api/instances", ct).GetAwaiter().GetResult();
            seenB = instances.EnumerateArray().FirstOrDefault(i => i.GetProperty("name").GetString() == "b");
            return seenB.ValueKind == JsonValueKind.Object && seenB.GetProperty("requests").GetInt64() >= 40;
        }, TimeSpan.FromSeconds(10), ct);
        Assert.Equal(b.BaseAddress.ToString().TrimEnd('/'), seenB.GetProperty("url").GetString());
        Assert.Equal("Async", seenB.GetProperty("mode").GetString());
        Assert.False(seenB.GetProperty("gone").GetBoolean());
        Assert.InRange(seenB.GetProperty("lastSeenMs").GetInt64(), 0, 2000);

        // A's dashboard stream: while B alone is busy, A's farm frames show B's requests in the farm total.
        using var load = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var traffic = Traffic(http, load.Token);
        await using var hub = await DashboardClient.ConnectAsync(a.BaseAddress, ct, "/hubs/farm");
        hub.StartStream("Frames", ct);
        JsonElement frame = default, lineB = default;
        for (var i = 0; i < 400; i++)
        {
            frame = await hub.NextAsync();
            lineB = frame.GetProperty("i").EnumerateArray().FirstOrDefault(l => l.GetProperty("name").GetString() == "b");
            if (lineB.ValueKind == JsonValueKind.Object && lineB.GetProperty("rps").GetDouble() > 0 && frame.GetProperty("live").GetInt32() == 2) break;
        }
        load.Cancel();
        await traffic;
        output.WriteLine(frame.GetRawText());
        Assert.Equal(2, frame.GetProperty("live").GetInt32());
        Assert.True(lineB.GetProperty("rps").GetDouble() > 0, frame.GetRawText());
        Assert.True(frame.GetProperty("rps").GetDouble() >= lineB.GetProperty("rps").GetDouble(), "the farm total includes b");
        Assert.Equal(4, frame.GetProperty("p").GetArrayLength());
        Assert.True(lineB.GetProperty("th").GetInt32() > 0, "b's thread pool is shown");
    }

    [Fact]
    public async Task AKilledInstanceIsShownAsGoneWithinFiveSeconds()
    {
        var ct = Timeout(120);
        var farm = FarmApp.NewFarmName();
        await using var a = new FarmApp(farm, "a");
        await a.WaitListeningAsync(ct);
        using var adminA = a.Http();
        var b = await AppProcess.StartAsync("secret", ct, ("LiveDash__Farm", farm), ("LiveDash__Instance", "b"));
        try
        {
            await WaitFor(() => Instance(adminA, "b", ct) is { } i && !i.GetProperty("gone").GetBoolean(), TimeSpan.FromSeconds(15), ct);
        }
        finally
        {
            b.Dispose();   // SIGKILL: no goodbye, the farm notices the silence
        }
        var elapsed = await WaitFor(() => Instance(adminA, "b", ct)?.GetProperty("gone").GetBoolean() == true, TimeSpan.FromSeconds(15), ct);
        output.WriteLine($"b shown as gone {elapsed.TotalMilliseconds:0} ms after it was killed");
        Assert.True(elapsed < TimeSpan.FromSeconds(5), $"{elapsed.TotalMilliseconds:0} ms");
        Assert.False(Instance(adminA, "a", ct)!.Value.GetProperty("gone").GetBoolean());
    }

    [Fact]
    public async Task SettingsAndTheChangeLogSurviveARestart()
    {
        var ct = Timeout();
        var farm = FarmApp.NewFarmName();
        await using (var first = new FarmApp(farm, "a"))
        {
            await first.WaitListeningAsync(ct);
            using var admin = first.Http();
            (await admin.PutAsJsonAsync("/admin/api/settings", new { mode = "Sync", dbLatencyMs = 9 }, ct)).EnsureSuccessStatusCode();
        }
        await using (var restarted = new FarmApp(farm, "a"))
        {
            _ = restarted.BaseAddress;
            Assert.Equal(StoreMode.Sync, restarted.Settings.Current.Mode);
            Assert.Equal(9, restarted.Settings.Current.DbLatencyMs);
            Assert.Contains(restarted.Settings.Changes, c => c.Channel == "api" && c.Field == "dbLatencyMs" && c.NewValue == "9");
            using var admin = restarted.Http();
            var changes = await admin.GetFromJsonAsync<JsonElement>("/admin/api/changes", ct);
            Assert.Contains(changes.EnumerateArray(), c => c.GetProperty("field").GetString() == "mode" && c.GetProperty("newValue").GetString() == "Sync");
        }
        // A setting given explicitly at start wins over the stored one and becomes the farm's.
        await using (var explicitMode = new FarmApp(farm, "c", ("LiveDash:Mode", "SyncOverAsync")))
        {
            _ = explicitMode.BaseAddress;
            Assert.Equal(StoreMode.SyncOverAsync, explicitMode.Settings.Current.Mode);
            Assert.Equal(9, explicitMode.Settings.Current.DbLatencyMs);
            await WaitFor(() => StoredSettings(farm).GetProperty("mode").GetString() == "SyncOverAsync", TimeSpan.FromSeconds(5), ct);
        }
    }

    [Fact]
    public async Task AfterLosingItsConnectionAnInstanceRereadsTheSettingsItMissed()
    {
        var ct = Timeout();
        var farm = FarmApp.NewFarmName();
        await using var a = new FarmApp(farm, "a");
        await a.WaitListeningAsync(ct);
        Assert.NotEqual(17, a.Settings.Current.DbLatencyMs);

        // A change no notification announces (as if it was sent while the listener was away), then a dropped connection.
        await using var data = NpgsqlDataSource.Create(TestHost.PostgresConnection);
        await using (var update = data.CreateCommand("UPDATE livedash_farm_settings SET settings = settings || '{\"dbLatencyMs\":17}', version = version + 1 WHERE farm = $1"))
        {
            update.Parameters.Add(new() { Value = farm });
            Assert.Equal(1, await update.ExecuteNonQueryAsync(ct));
        }
        await Task.Delay(500, ct);
        Assert.NotEqual(17, a.Settings.Current.DbLatencyMs);
        await using (var drop = data.CreateCommand("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'LiveDash farm listener'"))
            await drop.ExecuteNonQueryAsync(ct);

        await WaitFor(() => a.Settings.Current.DbLatencyMs == 17, TimeSpan.FromSeconds(10), ct);
        Assert.Contains(a.Settings.Changes, c => c.Channel == "farm:resync" && c.Field == "dbLatencyMs" && c.NewValue == "17");
    }

    static JsonElement? Instance(HttpClient admin, string name, CancellationToken ct)
    {
        var instances = admin.GetFromJsonAsync<JsonElement>("/admin/api/instances", ct).GetAwaiter().GetResult();
        return instances.EnumerateArray().Where(i => i.GetProperty("name").GetString() == name).Select(i => (JsonElement?)i).FirstOrDefault();
    }

    static async Task Traffic(HttpClient http, CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested) (await http.GetAsync("/api/ping", ct)).EnsureSuccessStatusCode();
        }
        catch (OperationCanceledException) { }
    }

    static List<string> StoredChanges(string farm)
    {
        using var data = NpgsqlDataSource.Create(TestHost.PostgresConnection);
        using var read = data.CreateCommand("SELECT instance || ':' || channel || ':' || field FROM livedash_farm_changes WHERE farm = $1");
        read.Parameters.Add(new() { Value = farm });
        using var reader = read.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read()) rows.Add(reader.GetString(0));
        return rows;
    }

    static JsonElement StoredSettings(string farm)
    {
        using var data = NpgsqlDataSource.Create(TestHost.PostgresConnection);
        using var read = data.CreateCommand("SELECT settings::text FROM livedash_farm_settings WHERE farm = $1");
        read.Parameters.Add(new() { Value = farm });
        return JsonDocument.Parse((string)read.ExecuteScalar()!).RootElement.Clone();
    }

    [Fact]
    public async Task TicksHeldUpByASlowDatabaseAreSentLaterNotLost()
    {
        var ct = Timeout();
        var farm = FarmApp.NewFarmName();
        // B reaches the database through a relay the test can hold up: its NOTIFYs then wait, and its ticks pile up.
        var pg = new NpgsqlConnectionStringBuilder(TestHost.PostgresConnection);
        await using var relay = await LiveDash.Tests.Load.FreezableRelay.StartAsync(new Uri($"tcp://{pg.Host}:{pg.Port}"));
        (pg.Host, pg.Port) = ("127.0.0.1", relay.Address.Port);
        await using var a = new FarmApp(farm, "a");
        await using var b = new FarmApp(farm, "b", ("ConnectionStrings:Postgres", pg.ConnectionString));
        await a.WaitListeningAsync(ct);
        await b.WaitListeningAsync(ct);
        using var adminA = a.Http();
        using var http = new HttpClient { BaseAddress = b.BaseAddress };
        long SeenOfB()
        {
            var instances = adminA.GetFromJsonAsync<JsonElement>("/admin/api/instances", ct).GetAwaiter().GetResult();
            var line = instances.EnumerateArray().FirstOrDefault(i => i.GetProperty("name").GetString() == "b");
            return line.ValueKind == JsonValueKind.Object ? line.GetProperty("requests").GetInt64() : -1;
        }
        await WaitFor(() => SeenOfB() >= 0, TimeSpan.FromSeconds(10), ct);
        await Task.Delay(500, ct);
        var before = SeenOfB();

        // 40 requests spread over about 1.2 s (several ticks) while B cannot publish.
        relay.Freeze();
        for (var i = 0; i < 40; i++)
        {
            (await http.GetAsync("/api/ping", ct)).EnsureSuccessStatusCode();
            await Task.Delay(30, ct);
        }
        await Task.Delay(500, ct);
        Assert.True(SeenOfB() < before + 40, "b published while its database connection was held up");
        relay.Thaw();

        // Every held-up tick arrives: a keeps count of all 40, not just of the newest tick's share.
        await WaitFor(() => SeenOfB() >= before + 40, TimeSpan.FromSeconds(10), ct);
    }

    /// <summary>Polls every 20 ms; returns how long it took, or fails after <paramref name="limit"/>.</summary>
    static async Task<TimeSpan> WaitFor(Func<bool> condition, TimeSpan limit, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > limit) Assert.Fail($"not true within {limit.TotalSeconds} s");
            await Task.Delay(20, ct);
        }
        return watch.Elapsed;
    }
}
