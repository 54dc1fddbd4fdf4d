using System.Diagnostics;
using System.Net;

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
