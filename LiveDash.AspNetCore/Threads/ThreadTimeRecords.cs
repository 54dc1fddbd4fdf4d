using System.Text.Json.Serialization;

namespace LiveDash.AspNetCore;

/// <summary>
/// One endpoint in a tick: sums over the requests it completed in the tick, in ms. Time on a thread splits into on
/// CPU, waiting for a CPU (run queue) and blocked (by kind); awaiting is its time in the app holding no thread.
/// </summary>
public sealed record EndpointTick(
    [property: JsonPropertyName("r")] string Route,
    [property: JsonPropertyName("n")] long Requests,
    [property: JsonPropertyName("ot")] double OnThreadMs,
    [property: JsonPropertyName("cpu")] double OnCpuMs,
    [property: JsonPropertyName("rq")] double RunQueueMs,
    [property: JsonPropertyName("bl")] double BlockedMs,
    [property: JsonPropertyName("aw")] double AwaitingMs,
    [property: JsonPropertyName("by")] IReadOnlyDictionary<string, double>? BlockedBy);

/// <summary>
/// One endpoint (its route pattern) over the summary's seconds. Times are means per request, in ms;
/// <see cref="ThreadsHeld"/> = requests/s × time on a thread (Little's law), <see cref="Share"/> its share of all the
/// thread time held, <see cref="BlockedBy"/> each kind of block's share of the blocked time.
/// </summary>
public sealed record EndpointThreads(string Route, long Requests, double Rps, double OnThreadMs, double OnCpuMs, double RunQueueMs,
    double BlockedMs, double AwaitingMs, double ThreadsHeld, double Share, IReadOnlyDictionary<string, double> BlockedBy);
