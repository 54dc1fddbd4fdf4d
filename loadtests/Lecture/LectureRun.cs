using System.Diagnostics;
using LiveDash.LoadTests.Running;
using LiveDash.LoadTests.Scenarios;

namespace LiveDash.LoadTests.Lecture;

/// <summary>
/// The lecture's picture, measured: two long requests and a short one arrive a moment apart. Each path
/// is first timed alone (one after another), then the three are sent on schedule, so the printout can
/// say how long the short one took against how long it takes alone.
/// The lecture's server has one thread; ours has a thread pool that grows. A crowd of background users
/// on the long path keeps the pool's threads busy (in Sync mode each blocks one for its whole database
/// wait), so the three requests meet a server that is out of threads, as in the lecture.
/// </summary>
public sealed class LectureRun(HttpClient http, Uri target, TextWriter output, int crowd = LectureRun.DefaultCrowd)
{
    public const int DefaultCrowd = 32;
    public static readonly TimeSpan Gap = TimeSpan.FromMilliseconds(300);
    static readonly TimeSpan CrowdHeadStart = TimeSpan.FromSeconds(2);
    const string CrowdPath = "/api/orders?user=3";

    public static Scenario Scenario => new(
        ScenarioCatalog.Lecture,
        "Two long requests (/api/orders: two database round trips) and a short one (/api/products/{id}: one), 300 ms apart.",
        [new ScenarioStep("long 1", "/api/orders?user=1"), new ScenarioStep("long 2", "/api/orders?user=2"), new ScenarioStep("short 3", "/api/products/1")],
        [new Inject(3, TimeSpan.FromMilliseconds(900), TimeSpan.FromMilliseconds(900))],
        new Dictionary<string, ScenarioVariable>(), [])
    {
        ServerDbLatencyMs = 500,
    };

    public async Task<RunResult> RunAsync(Scenario scenario, string? serverMode, CancellationToken cancel)
    {
        var baseAddress = target.GetLeftPart(UriPartial.Path).TrimEnd('/');
        var paths = scenario.Steps.Select(s => s.Path).ToArray();

        output.WriteLine("lecture: timing each request alone first (one after another) ...");
        var alone = new double[paths.Length];
        for (var i = 0; i < paths.Length; i++)
        {
            var timing = await SendAsync(baseAddress + paths[i], Stopwatch.GetTimestamp(), cancel);
            alone[i] = timing.DoneAtMs - timing.SentAtMs;
        }

        using var stopCrowd = new CancellationTokenSource();
        using var crowdHttp = LoadHttp.Create(Math.Max(1, crowd));
        var crowdUsers = Enumerable.Range(0, crowd).Select(_ => CrowdUserAsync(crowdHttp, baseAddress + CrowdPath, stopCrowd.Token)).ToArray();
        if (crowd > 0)
        {
            output.WriteLine($"lecture: {crowd} background users on {CrowdPath} for {CrowdHeadStart.TotalSeconds:0} s first, and while the three requests run");
            await Task.Delay(CrowdHeadStart, cancel);
        }

        var stats = new RunStats(120);
        var origin = Stopwatch.GetTimestamp();
        stats.Start(origin);
        var sends = paths.Select(async (path, i) =>
        {
            var due = Gap * i;
            var wait = due - Stopwatch.GetElapsedTime(origin);
            if (wait > TimeSpan.Zero) await Task.Delay(wait, cancel);
            stats.RequestStarted();
            var intended = origin + (long)(due.TotalSeconds * Stopwatch.Frequency);
            var timing = await SendAsync(baseAddress + path, origin, cancel);
            var done = origin + (long)(timing.DoneAtMs / 1000 * Stopwatch.Frequency);
            stats.RequestEnded(done, (long)Stopwatch.GetElapsedTime(intended, done).TotalMicroseconds,
                (long)((timing.DoneAtMs - timing.SentAtMs) * 1000), timing.Status is >= 200 and < 400 ? null : timing.Status.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return new LectureRequest(i + 1, path, timing.SentAtMs, timing.DoneAtMs, timing.Status);
        }).ToArray();
        var requests = await Task.WhenAll(sends);
        var seconds = Stopwatch.GetElapsedTime(origin).TotalSeconds;
        stopCrowd.Cancel();
        await Task.WhenAll(crowdUsers);

        output.WriteLine($"lecture ({serverMode ?? "server mode unknown"}): three requests, {Gap.TotalMilliseconds:0} ms apart{(crowd > 0 ? $", {crowd} background users" : ", no background users")}");
        output.WriteLine($"{"#",2}  {"path",-22} {"sent at",9} {"done at",9} {"took",9} {"alone",9}  status");
        foreach (var r in requests)
            output.WriteLine($"{r.Number,2}  {r.Path,-22} {r.SentAtMs,7:0} ms {r.DoneAtMs,6:0} ms {r.DurationMs,6:0} ms {alone[r.Number - 1],6:0} ms  {r.Status}");
        var order = string.Join(", ", requests.OrderBy(r => r.DoneAtMs).Select(r => r.Number));
        output.WriteLine($"completion order: {order}");
        var shortOne = requests[^1];
        output.WriteLine($"the short request #{shortOne.Number} took {shortOne.DurationMs:0} ms; alone it took {alone[^1]:0} ms ({shortOne.DurationMs / Math.Max(1, alone[^1]):0.0}x)");

        return RunResult.From(scenario, baseAddress, serverMode, DateTimeOffset.Now, seconds, stats, "completed") with { Lecture = requests };
    }

    static async Task CrowdUserAsync(HttpClient crowdHttp, string url, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var response = await crowdHttp.GetAsync(url, stop);
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
            {
                if (!stop.IsCancellationRequested) await Task.Delay(100, CancellationToken.None);
            }
        }
    }

    async Task<(double SentAtMs, double DoneAtMs, int Status)> SendAsync(string url, long origin, CancellationToken cancel)
    {
        var sent = Stopwatch.GetElapsedTime(origin).TotalMilliseconds;
        int status;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseContentRead, timeout.Token);
            status = (int)response.StatusCode;
        }
        catch (HttpRequestException)
        {
            status = 0;
        }
        return (sent, Stopwatch.GetElapsedTime(origin).TotalMilliseconds, status);
    }
}
