using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;

namespace LiveDash.Tests.Store;

/// <summary>
/// A saturated pool is not an outage: with two connections and slow statements, the requests that find none free
/// answer 503 "database busy", and the log says "database pool exhausted", never "unreachable" (OutageTests, in the
/// same collection so the cluster is up here, shows a stopped database still is).
/// </summary>
[Collection(OutageCollection.Name)]
public class PoolExhaustionTests
{
    [Fact]
    public async Task ASaturatedPoolAnswers503BusyAndLogsPoolExhaustedNotUnreachable()
    {
        var small = new NpgsqlConnectionStringBuilder(TestHost.PostgresConnection) { MaxPoolSize = 2, Timeout = 1 };
        await using var app = new LiveDashApp
        {
            ExtraSettings = new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = small.ConnectionString, ["LiveDash:DbLatencyMs"] = "1500" },
        };
        var client = app.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/ping")).StatusCode);
        var start = DateTimeOffset.UtcNow;

        // Two rounds: the first failure asks for a probe on a fresh connection; the second round meets its answer.
        var answers = new List<(HttpStatusCode Status, string Body)>();
        for (var round = 0; round < 2; round++)
        {
            var crowd = Enumerable.Range(0, 8).Select(async _ =>
            {
                var response = await client.GetAsync("/api/orders?user=5");
                return (response.StatusCode, await response.Content.ReadAsStringAsync());
            }).ToList();
            await Task.Delay(200);
            // Busy is not down: the health check still answers 200, so a load balancer keeps the instance.
            var health = await client.GetAsync("/api/health");
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            answers.AddRange(await Task.WhenAll(crowd));
        }

        var busy = answers.Where(a => a.Status == HttpStatusCode.ServiceUnavailable).ToList();
        Assert.Contains(answers, a => a.Status == HttpStatusCode.OK);
        Assert.True(busy.Count >= 4, $"only {busy.Count} of {answers.Count} requests found the pool exhausted");
        Assert.All(busy, a =>
        {
            var problem = JsonDocument.Parse(a.Body).RootElement;
            Assert.Contains("database busy", problem.GetProperty("detail").GetString());
            Assert.Equal("database", problem.GetProperty("field").GetString());
        });
        Assert.All(answers, a => Assert.DoesNotContain("unreachable", a.Body, StringComparison.OrdinalIgnoreCase));

        var lines = app.Logs.Since(start);
        var report = string.Join("\n", lines.Select(l => $"{l.Level} {l.Category}: {l.Message}"));
        Assert.DoesNotContain(lines, l => l.Message.Contains("unreachable", StringComparison.OrdinalIgnoreCase));
        // One line, not one per request: the next may come 10 s later at the earliest.
        Assert.Single(lines, l => l.Message.StartsWith("Database pool exhausted: ", StringComparison.Ordinal) && l.Message.Contains(" of 2 in use, "));
        Assert.True(lines.Count < 10, report);
    }
}
