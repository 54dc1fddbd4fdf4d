using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace LiveDash.Tests.Telemetry;

/// <summary>End-to-end latency: measured from the moment a request's bytes reach the socket, not from our first middleware.</summary>
public class EndToEndLatencyTests(KestrelApp app) : IClassFixture<KestrelApp>
{
    static CancellationToken Within(int seconds) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    [Fact]
    public async Task EveryRequestOnAKestrelConnectionIsMeasuredAtTheSocket()
    {
        var ct = Within(30);
        using var admin = app.Http(admin: true);
        using var http = app.Http();
        // Fresh connections and kept-alive ones alike.
        for (var i = 0; i < 40; i++)
        {
            using var client = i % 4 == 0 ? app.Http() : null;
            Assert.Equal(HttpStatusCode.OK, (await (client ?? http).GetAsync("/api/products/1", ct)).StatusCode);
        }
        var summary = await SummaryAfterQuietSecond(admin, seconds: 10, ct);
        var endToEnd = summary.GetProperty("endToEnd");
        Assert.True(summary.GetProperty("requests").GetInt64() >= 40, summary.ToString());
        Assert.Equal("measured", endToEnd.GetProperty("source").GetString());
        Assert.Equal(1.0, endToEnd.GetProperty("measuredShare").GetDouble());
        Assert.True(endToEnd.GetProperty("meanMs").GetDouble() >= summary.GetProperty("inApp").GetProperty("meanMs").GetDouble(), summary.ToString());
    }

    [Fact]
    public async Task TheSummaryIsForAdminsAndNamesABadWindow()
    {
        var ct = Within(30);
        using var anonymous = app.Http();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/admin/api/telemetry/summary", ct)).StatusCode);
        using var admin = app.Http(admin: true);
        foreach (var bad in new[] { "0", "61", "ten", "1.5" })
        {
            var response = await admin.GetAsync($"/admin/api/telemetry/summary?seconds={bad}", ct);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("seconds", await response.Content.ReadAsStringAsync(ct));
        }
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/admin/api/telemetry/summary?seconds=60", ct)).StatusCode);
    }

    [Fact]
    public async Task AClientsSendTimeBecomesTheWaitBeforeTheServerOnTheWaterfall()
    {
        var ct = Within(30);
        await using var dashboard = await DashboardClient.ConnectAsync(app.BaseAddress, ct);
        dashboard.StartTicks(ct);
        // A raw request, so the header is exactly what we say: sent 300 ms before it reaches the server.
        var sent = (DateTime.UtcNow - DateTime.UnixEpoch).TotalMilliseconds - 300;
        using (var socket = new TcpClient())
        {
            await socket.ConnectAsync(app.BaseAddress.Host, app.BaseAddress.Port, ct);
            var stream = socket.GetStream();
            var request = $"GET /api/products/2 HTTP/1.1\r\nHost: {app.BaseAddress.Authority}\r\nX-LiveDash-Sent: {sent.ToString("F3", CultureInfo.InvariantCulture)}\r\nConnection: close\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(request), ct);
            var reply = await new StreamReader(stream).ReadToEndAsync(ct);
            Assert.StartsWith("HTTP/1.1 200", reply);
        }
        while (true)
        {
            var tick = (await dashboard.NextTickAsync()).GetProperty("k");
            if (tick.GetProperty("w").ValueKind != JsonValueKind.Array) continue;
            foreach (var entry in tick.GetProperty("w").EnumerateArray())
            {
                if (entry.GetProperty("r").GetString() != "/api/products/{id}" || !entry.TryGetProperty("b", out var before)) continue;
                Assert.InRange(before.GetDouble(), 290, 2_000);
                Assert.True(entry.GetProperty("wt").GetDouble() >= 0);
                return;
            }
        }
    }

    /// <summary>Waits until a whole second has passed since the last request, so the summary includes all of them.</summary>
    internal static async Task<JsonElement> SummaryAfterQuietSecond(HttpClient admin, int seconds, CancellationToken ct)
    {
        var until = DateTime.UtcNow.AddSeconds(2.2);
        while (DateTime.UtcNow < until) await Task.Delay(100, ct);
        return await admin.GetFromJsonAsync<JsonElement>($"/admin/api/telemetry/summary?seconds={seconds}", ct);
    }
}
