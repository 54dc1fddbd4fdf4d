using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Xunit.Abstractions;
using LiveDash.Tests.Shared;

namespace LiveDash.Tests.Telemetry;

/// <summary>
/// The store in Sync under a crowd on /api/orders: a blocking capture names the store's own query method above Npgsql's
/// blocking read. The app runs in a process of its own, so the capture samples the store alone.
/// </summary>
[Collection(AloneCollection.Name)]
public class BlockingCaptureStoreTests(ITestOutputHelper output)
{
    const string Password = "blocking-capture-secret";
    const int Clients = 100;

    [Fact]
    public async Task InSyncTheCaptureNamesTheStoresQueryAboveNpgsqlsBlockingRead()
    {
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token;
        using var app = await AppProcess.StartAsync(Password, ct, ("LiveDash__Mode", "Sync"), ("LiveDash__DbLatencyMs", "50"));
        using var admin = app.Http(Password);
        admin.Timeout = TimeSpan.FromSeconds(60);
        using var anonymous = new HttpClient { BaseAddress = app.BaseAddress };
        using (var refused = await anonymous.PostAsync("/livedash/api/blocking/capture?seconds=1", null, ct))
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var load = Load(app.BaseAddress, stop.Token);
        await Task.Delay(2000, ct);
        using var response = await admin.PostAsync("/livedash/api/blocking/capture?seconds=5", null, ct);
        var json = await response.Content.ReadAsStringAsync(ct);
        stop.Cancel();
        await load;
        output.WriteLine(json);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var report = JsonDocument.Parse(json).RootElement;
        var orders = report.GetProperty("endpoints").EnumerateArray().First(e => e.GetProperty("route").GetString() == "/api/orders");
        var top = orders.GetProperty("sites")[0];
        Assert.StartsWith("LiveDash.Store", top.GetProperty("appFrame").GetString());
        var stack = top.GetProperty("stack").EnumerateArray().Select(f => f.GetString()!).ToList();
        var appAt = stack.FindIndex(f => f.StartsWith("LiveDash.Store"));
        Assert.True(appAt > 0, string.Join("\n", stack));
        Assert.Contains(stack.Take(appAt), f => f.StartsWith("Npgsql") || f.Contains("Socket"));
    }

    /// <summary>Closed-loop clients on /api/orders until stopped.</summary>
    static async Task Load(Uri baseAddress, CancellationToken stop)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = Clients };
        using var http = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(async c =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var response = await http.GetAsync($"/api/orders?user={1 + c % 50}", stop);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                }
            }
        }));
    }
}
