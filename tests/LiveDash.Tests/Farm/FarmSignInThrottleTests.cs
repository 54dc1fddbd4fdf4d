using System.Net;
using System.Net.Sockets;
using System.Text;
using LiveDash.Admin;
using Xunit.Abstractions;

namespace LiveDash.Tests.Farm;

/// <summary>./livedash up --instances 2: the sign-in throttle counts each real client behind HAProxy, farm-wide.</summary>
public class FarmSignInThrottleTests(ITestOutputHelper output)
{
    const string Password = "farm-throttle-secret";

    [Fact]
    public async Task AGuesserThroughTheProxyIsLockedOutAloneAndAForgedForwardedForCountsForNothing()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var ct = timeout.Token;
        var port = FarmUpTests.FreePorts(3);
        using var livedash = LivedashUp.Start(FarmUpTests.RepositoryRoot(), FarmApp.NewFarmName(), Password, "--instances", "2", "--port", port.ToString(), "--no-agent");
        var up = livedash.Process;
        try
        {
            var proxy = new Uri(await livedash.Ready.WaitAsync(TimeSpan.FromMinutes(3), ct));
            var app1 = new Uri($"http://127.0.0.1:{port + 1}");

            // Fifteen wrong passwords from 127.0.0.2, spread by HAProxy over both instances (no cookies).
            using var guesser = From("127.0.0.2", proxy, "guess");
            var answers = new List<HttpStatusCode>();
            for (var i = 0; i < 15; i++) answers.Add((await guesser.GetAsync("/admin/api/settings", ct)).StatusCode);
            output.WriteLine("guesser through the proxy: " + string.Join(" ", answers.Select(a => (int)a)));
            Assert.All(answers, a => Assert.Contains(a, new[] { HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests }));
            // Counted farm-wide: each instance alone would have seen 7 or 8 and let all 15 through as 401.
            // A failure reaches the other instance a few milliseconds after its answer, so one or two more may pass.
            Assert.InRange(answers.Count(a => a == HttpStatusCode.Unauthorized), SignInThrottle.FailuresAllowed, SignInThrottle.FailuresAllowed + 2);
            Assert.Equal(HttpStatusCode.TooManyRequests, answers[^1]);
            using (var guesserRight = From("127.0.0.2", proxy, Password))
                for (var i = 0; i < 2; i++) Assert.Equal(HttpStatusCode.TooManyRequests, (await guesserRight.GetAsync("/admin/api/settings", ct)).StatusCode);

            // Right after, the admin at 127.0.0.3 gets in, on either instance.
            using (var admin = From("127.0.0.3", proxy, Password))
                for (var i = 0; i < 4; i++) Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/admin/api/settings", ct)).StatusCode);

            // Straight to an instance, X-Forwarded-For is not believed: the tries count against the sender's own address...
            using var forger = From("127.0.0.4", app1, "guess");
            forger.DefaultRequestHeaders.Add("X-Forwarded-For", "127.0.0.3");
            var forged = new List<HttpStatusCode>();
            for (var i = 0; i < SignInThrottle.FailuresAllowed + 1; i++) forged.Add((await forger.GetAsync("/admin/api/settings", ct)).StatusCode);
            output.WriteLine("forged X-Forwarded-For straight to app-1: " + string.Join(" ", forged.Select(a => (int)a)));
            Assert.Equal(HttpStatusCode.TooManyRequests, forged[^1]);
            using (var forgerRight = From("127.0.0.4", app1, Password))
            {
                forgerRight.DefaultRequestHeaders.Add("X-Forwarded-For", "127.0.0.5");
                Assert.Equal(HttpStatusCode.TooManyRequests, (await forgerRight.GetAsync("/admin/api/settings", ct)).StatusCode);
            }
            // ...and never against the address it names.
            using (var admin = From("127.0.0.3", proxy, Password))
                for (var i = 0; i < 4; i++) Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/admin/api/settings", ct)).StatusCode);
            using (var direct = From("127.0.0.3", app1, Password))
                Assert.Equal(HttpStatusCode.OK, (await direct.GetAsync("/admin/api/settings", ct)).StatusCode);
        }
        finally
        {
            output.WriteLine(livedash.Output);
            if (!up.HasExited) { FarmUpTests.Signal(up.Id, "TERM"); up.WaitForExit(60_000); }
        }
    }

    /// <summary>A client whose connections come from <paramref name="local"/> (any 127.x address is this machine's), like curl --interface.</summary>
    static HttpClient From(string local, Uri baseAddress, string password)
    {
        var handler = new SocketsHttpHandler
        {
            UseCookies = false,
            ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(IPAddress.Parse(local), 0));
                    await socket.ConnectAsync(context.DnsEndPoint, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        var client = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(20) };
        client.DefaultRequestHeaders.Authorization = new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:" + password)));
        return client;
    }
}
