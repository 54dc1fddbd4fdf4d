using System.Diagnostics;
using System.Net.Http.Json;
using LiveDash.LoadTests.Running;
using LiveDash.LoadTests.Scenarios;

namespace LiveDash.LoadTests.Lecture;

/// <summary>
/// The lecture's picture, measured: two long requests and a short one arrive a moment apart. Each path
/// is first timed alone (one after another), then the three are sent on schedule, so the printout can
/// say how long the short one took against how long it takes alone.
/// The lecture's server has one thread: by default the run sets the server to one store worker
/// (workers 1) and sends nothing but the three requests. On the .NET thread pool (workers 0), which
/// grows, a crowd of background users on the long path keeps the pool's threads busy (in Sync mode each
/// blocks one for its whole database wait), so the three requests meet a server that is out of threads.
/// </summary>
public sealed class LectureRun(HttpClient http, Uri target, TextWriter output, int crowd = LectureRun.DefaultCrowd)
{
    public const int DefaultCrowd = 32;
    public const int DefaultWorkers = 1;
    const string TimingHeader = "LiveDash-Timing";

    /// <summary>The admin API client to post the three requests to the dashboard's lecture panel with; null = do not post.</summary>
    public HttpClient? Dashboard { get; init; }
    /// <summary>The server's settings during the run (for the printout and the dashboard), when known.</summary>
    public int? ServerWorkers { get; init; }
    public int? ServerDbLatencyMs { get; init; }
    public TextWriter? Warnings { get; init; }

    /// <summary>No crowd on dedicated workers (the lecture's one-thread server needs none); 32 on the thread pool.</summary>
    public static int CrowdFor(int? serverWorkers, int? users) => users ?? (serverWorkers is > 0 ? 0 : DefaultCrowd);

    public static string DescribeModel(int? workers) => workers switch
    {
        null => "server model unknown",
        0 => "thread pool",
        1 => "1 worker",
        _ => $"{workers} workers",
    };
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

        // One open connection per request first (to /api/ping, which no store worker serves): opening a connection on a busy
        // machine can take longer than the 300 ms between the sends, and would reorder the arrivals the lecture is about.
        await Task.WhenAll(paths.Select(async _ =>
        {
            try
            {
                using var warm = await http.GetAsync(baseAddress + "/api/ping", cancel);
            }
            catch (HttpRequestException)
            {
            }
        }));

        output.WriteLine("lecture: timing each request alone first (one after another) ...");
        var alone = new double[paths.Length];
        for (var i = 0; i < paths.Length; i++)
        {
            var timing = await SendAsync(baseAddress + paths[i], Stopwatch.GetTimestamp(), cancel);
            alone[i] = timing.DoneAtMs - timing.SentAtMs;
            if (i == 0 || i == paths.Length - 1)
            {
                // The very first request also pays for a connection and a cold path, and the last (short) one is what
                // the lecture compares against: time them again and keep the faster, so a busy moment does not inflate "alone".
                timing = await SendAsync(baseAddress + paths[i], Stopwatch.GetTimestamp(), cancel);
                alone[i] = Math.Min(alone[i], timing.DoneAtMs - timing.SentAtMs);
            }
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
            return new LectureRequest(i + 1, path, timing.SentAtMs, timing.DoneAtMs, timing.Status, alone[i], timing.Split?.Queued, timing.Split?.App, timing.Split?.Db);
        }).ToArray();
        var requests = await Task.WhenAll(sends);
        var seconds = Stopwatch.GetElapsedTime(origin).TotalSeconds;
        stopCrowd.Cancel();
        await Task.WhenAll(crowdUsers);

        output.WriteLine($"lecture ({serverMode ?? "server mode unknown"}, {DescribeModel(ServerWorkers)}): three requests, {Gap.TotalMilliseconds:0} ms apart{(crowd > 0 ? $", {crowd} background users" : ", no background users")}");
        output.WriteLine($"{"#",2}  {"path",-20} {"sent at",9} {"done at",9} {"took",9} {"alone",9} {"vs alone",8}  {"queued",8} {"our code",8} {"database",8}  status");
        foreach (var r in requests)
            output.WriteLine($"{r.Number,2}  {r.Path,-20} {r.SentAtMs,6:0} ms {r.DoneAtMs,6:0} ms {r.DurationMs,6:0} ms {r.AloneMs,6:0} ms {r.SlowerThanAlone,7:0.0}x  {Ms(r.QueuedMs),8} {Ms(r.AppMs),8} {Ms(r.DbMs),8}  {r.Status}");
        var order = string.Join(", ", requests.OrderBy(r => r.DoneAtMs).Select(r => r.Number));
        output.WriteLine($"completion order: {order}");
        var shortOne = requests[^1];
        output.WriteLine($"the short request #{shortOne.Number} took {shortOne.DurationMs:0} ms; alone it took {alone[^1]:0} ms ({shortOne.DurationMs / Math.Max(1, alone[^1]):0.0}x)");
        await PostToDashboardAsync(serverMode, requests);

        return RunResult.From(scenario, baseAddress, serverMode, DateTimeOffset.Now, seconds, stats, "completed") with { Lecture = requests, ServerWorkers = ServerWorkers };
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

    static string Ms(double? ms) => ms is { } v ? $"{v:0} ms" : "–";

    async Task<(double SentAtMs, double DoneAtMs, int Status, ServerSplit? Split)> SendAsync(string url, long origin, CancellationToken cancel)
    {
        var sent = Stopwatch.GetElapsedTime(origin).TotalMilliseconds;
        int status;
        ServerSplit? split = null;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            using var request = new HttpRequestMessage(HttpMethod.Get, url) { Headers = { { TimingHeader, "1" } } };
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token);
            status = (int)response.StatusCode;
            split = response.Headers.TryGetValues("Server-Timing", out var values) ? ServerSplit.Parse(string.Join(",", values)) : null;
        }
        catch (HttpRequestException)
        {
            status = 0;
        }
        return (sent, Stopwatch.GetElapsedTime(origin).TotalMilliseconds, status, split);
    }

    /// <summary>Best effort: the dashboard's lecture panel draws these; a failure is one warning, not a failed run.</summary>
    async Task PostToDashboardAsync(string? serverMode, LectureRequest[] requests)
    {
        if (Dashboard is null || serverMode is null || ServerWorkers is null || ServerDbLatencyMs is null) return;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            var body = new
            {
                mode = serverMode,
                workers = ServerWorkers,
                dbLatencyMs = ServerDbLatencyMs,
                requests = requests.Select(r => new { n = r.Number, path = r.Path, sentMs = r.SentAtMs, doneMs = r.DoneAtMs, aloneMs = r.AloneMs, queuedMs = r.QueuedMs, appMs = r.AppMs, dbMs = r.DbMs, status = r.Status }),
            };
            using var response = await Dashboard.PostAsJsonAsync("/admin/api/lecture", body, timeout.Token);
            if (response.IsSuccessStatusCode) output.WriteLine("lecture: posted to the dashboard's lecture panel");
            else (Warnings ?? output).WriteLine($"warning: the server answered {(int)response.StatusCode} to POST /admin/api/lecture; the dashboard will not draw this lecture");
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            (Warnings ?? output).WriteLine($"warning: could not post the lecture to the dashboard: {e.Message}");
        }
    }
}

/// <summary>The server's split of one request's time, from its Server-Timing header (queued, app, db in ms).</summary>
public sealed record ServerSplit(double Queued, double App, double Db)
{
    public static ServerSplit? Parse(string header)
    {
        double? queued = null, app = null, db = null;
        foreach (var metric in header.Split(','))
        {
            var parts = metric.Split(';', StringSplitOptions.TrimEntries);
            var dur = parts.Skip(1).FirstOrDefault(p => p.StartsWith("dur=", StringComparison.Ordinal));
            if (dur is null || !double.TryParse(dur.AsSpan(4), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var ms) || ms < 0) continue;
            switch (parts[0])
            {
                case "queued": queued = ms; break;
                case "app": app = ms; break;
                case "db": db = ms; break;
            }
        }
        return queued is { } q && app is { } a && db is { } d ? new ServerSplit(q, a, d) : null;
    }
}
