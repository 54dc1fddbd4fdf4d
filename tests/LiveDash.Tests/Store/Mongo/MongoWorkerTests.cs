using System.Diagnostics;
using System.Net;
using LiveDash.Tests.Shared;

namespace LiveDash.Tests.Store.Mongo;

/// <summary>
/// The lecture's server on MongoDB: one worker, 300 ms waited by the (mock) server per round trip, the official
/// driver's sync API against its async one. Orders and coarse ratios, not tight times.
/// </summary>
// Alone: a full run once saw all three answers land at the same instant (1,644 ms) while another class kept the pool busy.
[Collection(AloneCollection.Name)]
public sealed class MongoWorkerTests(MongoKestrelApp app) : IClassFixture<MongoKestrelApp>
{
    const int LatencyMs = 300;
    static readonly string Long1 = $"/api/orders?user={Active(0)}", Long2 = $"/api/orders?user={Active(1)}";
    const string Short = "/api/products/1";

    static int Active(int n) => MongoAppFactory.Seed.GenerateUsers().Where(u => u.IsActive).ElementAt(n).Id;

    async Task With(string mode, int latencyMs, Func<HttpClient, Task> body)
    {
        await app.SetAsync(mode, latencyMs, workers: 1);
        using var http = app.Http();
        try
        {
            // Warm up: JIT and the pooled connections, so the timings below are the server's.
            await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => http.GetAsync("/api/products/2")).Append(http.GetAsync(Long1)));
            await body(http);
        }
        finally { await app.SetAsync("Async", 0, workers: 0); }
    }

    static async Task<(int Number, HttpStatusCode Status, double SentMs, double DoneMs)[]> Send(HttpClient http, params (string Path, int AtMs)[] requests)
    {
        var origin = Stopwatch.GetTimestamp();
        return await Task.WhenAll(requests.Select(async (r, i) =>
        {
            var wait = TimeSpan.FromMilliseconds(r.AtMs) - Stopwatch.GetElapsedTime(origin);
            if (wait > TimeSpan.Zero) await Task.Delay(wait);
            var sent = Stopwatch.GetElapsedTime(origin).TotalMilliseconds;
            using var response = await http.GetAsync(r.Path);
            await response.Content.ReadAsByteArrayAsync();
            return (i + 1, response.StatusCode, sent, Stopwatch.GetElapsedTime(origin).TotalMilliseconds);
        }));
    }

    /// <summary>The short request on its own: the median of three.</summary>
    static async Task<double> Alone(HttpClient http)
    {
        var took = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            var r = (await Send(http, (Short, 0)))[0];
            Assert.Equal(HttpStatusCode.OK, r.Status);
            took.Add(r.DoneMs - r.SentMs);
        }
        return took.Order().ElementAt(1);
    }

    static string Describe(IEnumerable<(int Number, HttpStatusCode Status, double SentMs, double DoneMs)> results) =>
        string.Join("; ", results.Select(r => $"{r.Number} sent {r.SentMs:0} done {r.DoneMs:0} ms"));

    static string Order(IEnumerable<(int Number, HttpStatusCode Status, double SentMs, double DoneMs)> results) =>
        string.Join(",", results.OrderBy(r => r.DoneMs).Select(r => r.Number));

    [Fact]
    public async Task SyncOnOneWorkerKeepsTheLectureOrder123AndTheShortOneWaitsForBoth()
    {
        await With("Sync", LatencyMs, async http =>
        {
            var alone = await Alone(http);
            var results = await Send(http, (Long1, 0), (Long2, 200), (Short, 400));
            Assert.All(results, r => Assert.Equal(HttpStatusCode.OK, r.Status));
            Assert.True(Order(results) == "1,2,3", $"finished {Order(results)}: {Describe(results)}");
            var took = results[2].DoneMs - results[2].SentMs;
            Assert.True(took >= 3 * alone, $"the short request took {took:0} ms, {took / alone:0.0}x its {alone:0} ms alone");
        });
    }

    [Fact]
    public async Task AsyncOnOneWorkerReturnsTheLectureOrder132AndTheShortOneTakesAboutItsOwnTime()
    {
        await With("Async", LatencyMs, async http =>
        {
            var alone = await Alone(http);
            var results = await Send(http, (Long1, 0), (Long2, 200), (Short, 400));
            Assert.All(results, r => Assert.Equal(HttpStatusCode.OK, r.Status));
            Assert.True(Order(results) == "1,3,2", $"finished {Order(results)}: {Describe(results)}");
            var took = results[2].DoneMs - results[2].SentMs;
            Assert.True(took <= 1.3 * alone, $"the short request took {took:0} ms, {took / alone:0.00}x its {alone:0} ms alone");
        });
    }

    [Fact]
    public async Task SyncOverAsyncOnOneWorkerCompletes()
    {
        await With("SyncOverAsync", 50, async http =>
        {
            var clock = Stopwatch.StartNew();
            var results = await Send(http, (Long1, 0), (Long2, 0), (Short, 0), ($"/orders?user={Active(2)}", 0), ("/products?search=a", 0));
            Assert.All(results, r => Assert.True(r.Status == HttpStatusCode.OK, $"request {r.Number} answered {(int)r.Status}"));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        });
    }
}
