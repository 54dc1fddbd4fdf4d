using System.Net;
using System.Net.Http.Json;
using LiveDash.LoadTests.Running;

namespace LiveDash.LoadTests.Live;

/// <summary>
/// Posts the client's view of each second to the dashboard (POST /admin/api/client-ticks). Best effort:
/// a 404 or 401 (an older server, a wrong password) or any failure stops the posting with one warning,
/// and posting never waits on the run or holds the run's connections.
/// </summary>
public sealed class ClientTicks(HttpClient adminHttp, string run, TextWriter warnings)
{
    int _stopped;
    int _busy;

    public void Post(ProgressSnapshot snapshot)
    {
        if (Volatile.Read(ref _stopped) != 0 || snapshot.WarmingUp || !ConsoleView.HasWholeSecond(snapshot)) return;
        // A slow server must not pile up posts: skip a second rather than queue it.
        if (Interlocked.Exchange(ref _busy, 1) != 0) return;
        _ = Task.Run(async () =>
        {
            try
            {
                var tick = new { run, t = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), rps = snapshot.LastSecondRequests, p50 = snapshot.LastSecondP50, p99 = snapshot.LastSecondP99, errors = snapshot.Errors };
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                using var response = await adminHttp.PostAsJsonAsync("/admin/api/client-ticks", tick, timeout.Token);
                if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.MethodNotAllowed)
                    Stop($"the server answered {(int)response.StatusCode} to POST /admin/api/client-ticks; the dashboard will not show the client's view of this run");
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
            {
                Stop($"could not post client figures to the dashboard ({e.Message}); stopped posting");
            }
            finally
            {
                Volatile.Write(ref _busy, 0);
            }
        });
    }

    void Stop(string warning)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0) warnings.WriteLine("warning: " + warning);
    }
}
