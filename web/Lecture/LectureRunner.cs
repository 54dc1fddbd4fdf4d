using LiveDash.Admin;
using LiveDash.Load;
using LiveDash.Store;
using LiveDash.Telemetry;
using LiveDash.LoadTests.Lecture;
using LiveDash.LoadTests.Running;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using LiveDash.Site;

namespace LiveDash.Lecture;

/// <summary>What POST /admin/api/lecture/run asks for, validated.</summary>
public sealed record LectureRunRequest(IReadOnlyList<StoreMode> Modes, int Workers, int DbLatencyMs);

/// <summary>
/// The server runs the lecture on itself: for each mode, the settings are set (mode, workers, database latency),
/// each of the lecture's three paths is timed alone, then the three are sent 300 ms apart, all over real HTTP to
/// this app's own listener on 127.0.0.1, so they pass the socket, the arrival watcher and the worker queue like
/// any client's. The settings are put back afterwards, whatever happens. One lecture at a time, never during a load run (and no load run starts during a lecture).
/// </summary>
public sealed class LectureRunner(IServer server, RuntimeSettings settings, LoadRuns loadRuns, LectureBoard board, LessonBoard lesson, TimeProvider time, ILogger<LectureRunner> log)
{
    public const string Channel = "lecture";
    int _running;

    public bool IsRunning => Volatile.Read(ref _running) == 1;

    /// <summary>Runs the lecture, or says why not (the field names what stands in the way).</summary>
    public async Task<(IReadOnlyList<LectureReport>? Runs, ApiError? Refused)> RunAsync(LectureRunRequest request, CancellationToken cancel)
    {
        if (OwnAddress() is not { } target)
            return (null, new ApiError("this server has no HTTP listener to send the lecture's requests to", "server"));
        // Taken before the load runs are read: POST /admin/api/load/runs refuses while it is held, so no run starts in between.
        if (Interlocked.CompareExchange(ref _running, 1, 0) != 0)
            return (null, new ApiError("another lecture run is going; wait for it to finish", "lecture"));
        var before = settings.Current;
        var applied = false;
        try
        {
            await loadRuns.SyncAsync(cancel);   // in a farm, a run just started through another instance counts too
            if (loadRuns.All().FirstOrDefault(r => r.IsActive) is { } active)
                return (null, new ApiError($"load run {active.Id} is active: the lecture needs the server to itself; stop the run first", "load"));
            applied = true;
            var results = new List<LectureReport>(request.Modes.Count);
            using var http = LoadHttp.Create(8);
            foreach (var mode in request.Modes)
            {
                if (settings.Apply(new SettingsUpdate(mode, request.DbLatencyMs, Workers: request.Workers), Channel) is { } bad)
                    return (null, new ApiError(bad.Message, bad.Field));
                var run = new LectureRun(http, target, TextWriter.Null, crowd: 0);
                var outcome = await run.RunAsync(LectureRun.Scenario, mode.ToString(), cancel);
                results.Add(Post(mode, request, outcome.Lecture ?? []));
            }
            lesson.Lectures(results);
            return (results, null);
        }
        finally
        {
            if (applied && settings.Apply(new SettingsUpdate(before.Mode, before.DbLatencyMs, Workers: before.Workers), Channel) is { } error)
                log.LogWarning("The lecture could not restore the settings: {Error}", error.Message);
            Volatile.Write(ref _running, 0);
        }
    }

    LectureReport Post(StoreMode mode, LectureRunRequest request, IReadOnlyList<LectureRequest> requests)
    {
        var rows = requests.Select(r => new LectureRow(r.Number, r.Path, Round(r.SentAtMs), Round(r.DoneAtMs), Round(r.AloneMs),
            Round(r.QueuedMs), Round(r.AppMs), Round(r.DbMs), r.Status)).ToArray();
        return board.Post(new LectureReport(0, time.GetUtcNow().ToUnixTimeMilliseconds(), mode.ToString(), request.Workers, request.DbLatencyMs, rows));
    }

    /// <summary>This app's own HTTP listener, as 127.0.0.1 (a wildcard or localhost binding is reached there too).</summary>
    Uri? OwnAddress()
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        foreach (var address in addresses)
        {
            if (!address.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) continue;
            var bound = new Uri(address.Replace("://+", "://0.0.0.0").Replace("://*", "://0.0.0.0").Replace("[::]", "0.0.0.0"));
            return new UriBuilder("http", "127.0.0.1", bound.Port).Uri;
        }
        return null;
    }

    static double Round(double v) => Math.Round(v, 1);
    static double? Round(double? v) => v is { } x ? Math.Round(x, 1) : null;
}
