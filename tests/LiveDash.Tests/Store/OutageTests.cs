using System.Diagnostics;
using System.Net;
using Npgsql;

namespace LiveDash.Tests.Store;

[CollectionDefinition(Name, DisableParallelization = true)]
public class OutageCollection : ICollectionFixture<LiveDashApp>
{
    public const string Name = "outage";
}

/// <summary>Stops the real cluster under a running app: 503 promptly, then recovery without a restart.</summary>
[Collection(OutageCollection.Name)]
public class OutageTests(LiveDashApp app)
{
    [Fact]
    public async Task DatabaseOutageAnswers503WithinSixSecondsAndRecovers()
    {
        var control = Environment.GetEnvironmentVariable("LIVEDASH_DB_CTL");
        Assert.False(string.IsNullOrEmpty(control), "LIVEDASH_DB_CTL is unset: run the tests with ./livedash test, which controls the test cluster");
        var client = app.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/orders?user=5")).StatusCode);

        Run(control, "stop");
        try
        {
            foreach (var url in new[] { "/api/orders?user=5", "/orders?user=5", "/api/products?search=x", "/api/health" })
            {
                var clock = Stopwatch.StartNew();
                var response = await client.GetAsync(url);
                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(6), $"{url} took {clock.Elapsed.TotalSeconds:F1} s to answer 503");
                Assert.Contains("unavailable", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
            }
        }
        finally
        {
            Run(control, "start");
        }

        var deadline = Stopwatch.StartNew();
        HttpStatusCode status;
        do
        {
            status = (await client.GetAsync("/api/orders?user=5")).StatusCode;
            if (status == HttpStatusCode.OK) break;
            await Task.Delay(200);
        } while (deadline.Elapsed < TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/orders?user=5")).StatusCode);
    }

    [Fact]
    public async Task AnOutageUnderLoadLogsAWarningACountEveryTenSecondsAndOneLineWhenBack()
    {
        var control = Control();
        var client = app.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/orders?user=5")).StatusCode);
        var start = DateTimeOffset.UtcNow;
        Run(control, "stop");
        var answers = 0;
        try
        {
            var outage = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, 8).Select(async worker =>
            {
                while (outage.Elapsed < TimeSpan.FromSeconds(11))
                {
                    var response = await client.GetAsync(worker % 2 == 0 ? "/api/orders?user=5" : "/products?search=lamp");
                    Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                    var body = await response.Content.ReadAsStringAsync();
                    Assert.DoesNotContain("refused", body, StringComparison.OrdinalIgnoreCase); // the database's error text stays in the log
                    Interlocked.Increment(ref answers);
                }
            }));
        }
        finally
        {
            Run(control, "start");
        }
        await WaitForOk(client, "/api/orders?user=5");

        var lines = app.Logs.Since(start);
        var report = string.Join("\n", lines.Select(l => $"{l.Level} {l.Category}: {l.Message}"));
        Assert.True(answers > 100, $"only {answers} requests were answered during the outage");
        Assert.True(lines.Count < 20, $"{lines.Count} log lines for {answers} requests in an 11 s outage:\n{report}");
        Assert.Single(lines, l => l.Message.Contains("became unreachable"));
        Assert.Contains(lines, l => l.Message.Contains("still unreachable") && l.Message.Contains("calls failed"));
        Assert.Single(lines, l => l.Message.Contains("reachable again"));
    }

    [Fact]
    public async Task AnEmptyDatabaseUnreachableAtStartIsSeededWhenItAnswers()
    {
        var control = Control();
        var database = "livedash_unseeded_" + Guid.NewGuid().ToString("N")[..8];
        var admin = new NpgsqlConnectionStringBuilder(TestHost.PostgresConnection) { Pooling = false };
        await Execute(admin.ConnectionString, $"CREATE DATABASE {database}");
        try
        {
            var target = new NpgsqlConnectionStringBuilder(TestHost.PostgresConnection) { Database = database };
            Run(control, "stop");
            LiveDashApp? unseeded = null;
            try
            {
                unseeded = new LiveDashApp { ExtraSettings = new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = target.ConnectionString } };
                var client = unseeded.CreateClient();
                var health = await client.GetAsync("/api/health");
                Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
                Assert.Contains("\"seeded\":false", await health.Content.ReadAsStringAsync());
                var page = await client.GetAsync("/products");
                Assert.Equal(HttpStatusCode.ServiceUnavailable, page.StatusCode);
                Assert.Contains("not ready yet", await page.Content.ReadAsStringAsync());
                Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/api/orders?user=7")).StatusCode);
            }
            finally
            {
                Run(control, "start");
            }
            await using (unseeded)
            {
                var client = unseeded!.CreateClient();
                // Never a 500 on the way: 503 until seeded, then the data.
                await WaitForOk(client, "/api/orders?user=7", TimeSpan.FromSeconds(120));
                Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/orders?user=7")).StatusCode);
                var health = await client.GetAsync("/api/health");
                Assert.Equal(HttpStatusCode.OK, health.StatusCode);
                Assert.Contains("\"seeded\":true", await health.Content.ReadAsStringAsync());
            }
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await Execute(admin.ConnectionString, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
        }
    }

    static async Task WaitForOk(HttpClient client, string url, TimeSpan? within = null)
    {
        var deadline = Stopwatch.StartNew();
        HttpStatusCode status;
        do
        {
            status = (await client.GetAsync(url)).StatusCode;
            if (status == HttpStatusCode.OK) return;
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            await Task.Delay(200);
        } while (deadline.Elapsed < (within ?? TimeSpan.FromSeconds(30)));
        Assert.Equal(HttpStatusCode.OK, status);
    }

    static async Task Execute(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    static string Control()
    {
        var control = Environment.GetEnvironmentVariable("LIVEDASH_DB_CTL");
        Assert.False(string.IsNullOrEmpty(control), "LIVEDASH_DB_CTL is unset: run the tests with ./livedash test, which controls the test cluster");
        return control!;
    }

    static void Run(string control, string action)
    {
        var parts = control.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var start = new ProcessStartInfo(parts[0]) { RedirectStandardError = true, RedirectStandardOutput = true };
        // "<livedash> db --test" becomes "<livedash> db <action> --test".
        start.ArgumentList.Add(parts[1]);
        start.ArgumentList.Add(action);
        foreach (var arg in parts.Skip(2)) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        process.WaitForExit(120_000);
        Assert.True(process.ExitCode == 0, $"{control} {action} failed: {process.StandardError.ReadToEnd()}");
    }
}
