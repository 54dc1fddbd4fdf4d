using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LiveDash.Admin;
using LiveDash.Telemetry;
using LiveDash.Tests.Load;
using LiveDash.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace LiveDash.Tests.Lecture;

/// <summary>
/// POST /admin/api/lecture/run on a real Kestrel port and the test database: the server runs the lecture on
/// itself over HTTP and answers each mode's completion order. Coarse margins, as the worker-pool lecture tests.
/// </summary>
[Collection(AloneCollection.Name)]
public sealed class LectureRunApiTests(KestrelApp app) : IClassFixture<KestrelApp>
{
    const string Run = "/admin/api/lecture/run";
    RuntimeSettings Settings => app.Services.GetRequiredService<RuntimeSettings>();

    static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>
    /// In an app process of its own, as <c>./livedash up</c> runs it: in this test process the lecture's Async answers come
    /// back on a thread pool that 200 other tests have used (a full run saw Async come back 3,1,2 there, passing alone).
    /// </summary>
    [Fact]
    public async Task SyncCompletes123AndTheShortOneWaitsAsyncCompletes132AndTheSettingsComeBack()
    {
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token;
        const string password = "lecture-process-secret";
        using var process = await AppProcess.StartAsync(password, ct, ("LiveDash__Mode", "SyncOverAsync"), ("LiveDash__DbLatencyMs", "7"), ("LiveDash__Workers", "0"));
        using var admin = process.Http(password);
        admin.Timeout = TimeSpan.FromSeconds(90);
        var before = await admin.GetStringAsync("/admin/api/settings", ct);

        using var response = await admin.PostAsync(Run, Json("{}"), ct);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        var runs = body.GetProperty("runs").EnumerateArray().ToArray();
        Assert.Equal(["Sync", "Async"], runs.Select(r => r.GetProperty("mode").GetString()));
        Assert.All(runs, r => Assert.Equal(1, r.GetProperty("workers").GetInt32()));

        var sync = runs[0];
        var syncShort = Short(sync);
        Assert.True(Order(sync) == "1,2,3", $"Sync came back {Order(sync)}: {sync}");
        Assert.True(Took(syncShort) >= 3 * Alone(syncShort), $"Sync: the short request took {Took(syncShort)} ms, alone {Alone(syncShort)} ms: {sync}");

        var async = runs[1];
        var asyncShort = Short(async);
        Assert.True(Order(async) == "1,3,2", $"Async came back {Order(async)}: {async}");
        Assert.True(Took(asyncShort) <= 1.3 * Alone(asyncShort), $"Async: the short request took {Took(asyncShort)} ms, alone {Alone(asyncShort)} ms: {async}");
        // The requests went through the server (its own split of their time), not around it.
        Assert.All(runs.SelectMany(r => r.GetProperty("requests").EnumerateArray()), r =>
        {
            Assert.Equal(200, r.GetProperty("status").GetInt32());
            Assert.True(r.GetProperty("dbMs").GetDouble() >= 450, $"database time of {r}");
        });

        Assert.Equal(before, await admin.GetStringAsync("/admin/api/settings", ct));
        // The dashboard's lecture board holds the last of them.
        var latest = await admin.GetFromJsonAsync<JsonElement>("/admin/api/lecture", ct);
        Assert.Equal(async.GetProperty("id").GetInt64(), latest.GetProperty("id").GetInt64());
    }

    [Theory]
    [InlineData("""{"modes":["Fast"]}""", "modes")]
    [InlineData("""{"modes":[]}""", "modes")]
    [InlineData("""{"modes":"Sync"}""", "modes")]
    [InlineData("""{"modes":["Sync","Async","Sync","Async"]}""", "modes")]
    [InlineData("""{"workers":65}""", "workers")]
    [InlineData("""{"workers":-1}""", "workers")]
    [InlineData("""{"workers":"1"}""", "workers")]
    [InlineData("""{"dbLatencyMs":2001}""", "dbLatencyMs")]
    [InlineData("""{"dbLatencyMs":1.5}""", "dbLatencyMs")]
    [InlineData("""[1]""", "body")]
    [InlineData("""not json""", "body")]
    public async Task BadInputGets400NamingTheField(string json, string field)
    {
        var before = Settings.Current;
        using var admin = app.Http(admin: true);
        using var response = await admin.PostAsync(Run, Json(json));
        var error = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{json} → {(int)response.StatusCode}: {error}");
        Assert.Equal(field, error.GetProperty("field").GetString());
        Assert.Equal(before, Settings.Current);
    }

    [Fact]
    public async Task AnonymousGets401()
    {
        using var anonymous = app.Http();
        using var response = await anonymous.PostAsync(Run, Json("{}"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task ASecondLectureWhileOneRunsAndALectureDuringALoadRunGet409AndChangeNothing()
    {
        using var admin = app.Http(admin: true);
        admin.Timeout = TimeSpan.FromSeconds(90);
        var before = Settings.Current;
        var first = admin.PostAsync(Run, Json("""{"modes":["Async"],"dbLatencyMs":300}"""));
        using (var second = await PostWhenRunning(admin))
        {
            Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
            Assert.Equal("lecture", (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString());
        }
        using (var done = await first) Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        Assert.Equal(before, Settings.Current);

        await using var agent = InProcessAgent.Start(app, "lecture-409");
        await LoadAgentsTests.WaitForAgents(admin, "lecture-409");
        var id = await LoadAgentsTests.StartRun(admin, new { scenario = "url", path = "/api/ping", rate = 20, durationSeconds = 30 });
        try
        {
            using var refused = await admin.PostAsync(Run, Json("{}"));
            var error = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            Assert.Equal("load", error.GetProperty("field").GetString());
            Assert.Contains(id, error.GetProperty("error").GetString());
            Assert.Equal(before, Settings.Current);
        }
        finally
        {
            (await admin.DeleteAsync($"/admin/api/load/runs/{id}")).Dispose();
        }
    }

    [Fact]
    public async Task ALoadRunStartedWhileALectureRunsGets409NamingTheLecture()
    {
        using var admin = app.Http(admin: true);
        admin.Timeout = TimeSpan.FromSeconds(90);
        await using var agent = InProcessAgent.Start(app, "load-409");
        await LoadAgentsTests.WaitForAgents(admin, "load-409");
        var runs = app.Services.GetRequiredService<LiveDash.Load.LoadRuns>();
        var lecture = admin.PostAsync(Run, Json("""{"modes":["Async"],"dbLatencyMs":300}"""));
        var runner = app.Services.GetRequiredService<LiveDash.Lecture.LectureRunner>();
        for (var i = 0; i < 200 && !runner.IsRunning; i++) await Task.Delay(25);
        Assert.True(runner.IsRunning, "the lecture did not start");
        using (var refused = await admin.PostAsJsonAsync("/admin/api/load/runs", new { scenario = "url", path = "/api/ping", rate = 20, durationSeconds = 5, agents = new[] { "load-409" } }))
        {
            var error = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(refused.StatusCode == HttpStatusCode.Conflict, $"{(int)refused.StatusCode}: {error}");
            Assert.Equal("lecture", error.GetProperty("field").GetString());
            Assert.Contains("lecture run is going", error.GetProperty("error").GetString());
        }
        Assert.DoesNotContain(runs.All(), r => r.IsActive);
        using (var done = await lecture) Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        // Once the lecture is over, the same run starts.
        var id = await LoadAgentsTests.StartRun(admin, new { scenario = "url", path = "/api/ping", rate = 20, durationSeconds = 5, agents = new[] { "load-409" } });
        (await admin.DeleteAsync($"/admin/api/load/runs/{id}")).Dispose();
        for (var i = 0; i < 100 && runs.All().Any(r => r.IsActive); i++) await Task.Delay(50);
    }

    [Theory]
    [InlineData("""{"step":5,"label":"x"}""", "step")]
    [InlineData("""{"step":2}""", "label")]
    [InlineData("""{"step":2,"label":"x","p50Ms":-1}""", "p50Ms")]
    [InlineData("""{"step":2,"label":"x","peakThreads":"many"}""", "peakThreads")]
    public async Task TheLessonsResultsAreReadByAnyoneWrittenByAdminsAndBadRowsGet400(string json, string field)
    {
        using var admin = app.Http(admin: true);
        using var anonymous = app.Http();
        using (var bad = await admin.PostAsync("/admin/api/lesson/rows", Json(json)))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Equal(field, (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString());
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/admin/api/lesson/rows", Json("""{"step":2,"label":"x"}"""))).StatusCode);
        var label = "Sync " + Guid.NewGuid().ToString("N");
        (await admin.PostAsync("/admin/api/lesson/rows", Json($$"""{"step":2,"label":"{{label}}","p50Ms":310.26,"waitMs":250,"explain":"measured"}"""))).EnsureSuccessStatusCode();
        var state = await anonymous.GetFromJsonAsync<JsonElement>("/api/lesson");
        var row = state.GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("label").GetString() == label);
        Assert.Equal(310.3, row.GetProperty("p50Ms").GetDouble());
        Assert.Equal("measured", state.GetProperty("explain").GetProperty("2").GetString());
    }

    async Task<HttpResponseMessage> PostWhenRunning(HttpClient admin)
    {
        var runner = app.Services.GetRequiredService<LiveDash.Lecture.LectureRunner>();
        for (var i = 0; i < 200 && !runner.IsRunning; i++) await Task.Delay(25);
        Assert.True(runner.IsRunning, "the first lecture did not start");
        return await admin.PostAsync(Run, Json("{}"));
    }

    static JsonElement Short(JsonElement run) => run.GetProperty("requests").EnumerateArray().Single(r => r.GetProperty("n").GetInt32() == 3);
    static double Took(JsonElement r) => r.GetProperty("tookMs").GetDouble();
    static double Alone(JsonElement r) => r.GetProperty("aloneMs").GetDouble();
    static string Order(JsonElement run) => string.Join(",", run.GetProperty("order").EnumerateArray().Select(n => n.GetInt32()));
}
