using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using LiveDash.AspNetCore;
using LiveDash.Telemetry;

namespace LiveDash.Farm;

/// <summary>
/// One instance's tick as the farm sees it: counts, the sparse end-to-end histogram (mergeable, so farm
/// percentiles are exact to the histogram's precision, never averaged) and the process's insides.
/// Sent as a NOTIFY payload, so it must stay under <see cref="FarmTickCodec.MaxPayloadBytes"/>.
/// </summary>
public sealed record FarmTick
{
    [JsonPropertyName("i")] public string Instance { get; init; } = "";
    [JsonPropertyName("u")] public string Url { get; init; } = "";
    [JsonPropertyName("n")] public long Seq { get; init; }
    [JsonPropertyName("t")] public long UnixMs { get; init; }
    [JsonPropertyName("dt")] public double IntervalMs { get; init; }
    [JsonPropertyName("m")] public int Mode { get; init; }
    [JsonPropertyName("ok")] public long Ok { get; init; }
    [JsonPropertyName("er")] public long Errors { get; init; }
    [JsonPropertyName("if")] public long InFlight { get; init; }
    /// <summary>In-app p50, p99 (ms) of this tick's requests; the gap to end to end is waiting for a thread.</summary>
    [JsonPropertyName("pa")] public double[] InApp { get; init; } = [];
    [JsonPropertyName("wt")] public double WaitForThreadMs { get; init; }
    [JsonPropertyName("th")] public int Threads { get; init; }
    [JsonPropertyName("q")] public long Queued { get; init; }
    [JsonPropertyName("mn")] public int MinThreads { get; init; }
    [JsonPropertyName("db")] public long[]? DbPool { get; init; }
    [JsonPropertyName("cpu")] public double CpuPercent { get; init; }
    /// <summary>End-to-end histogram in µs: bucket indexes of <see cref="LatencyHistogram"/> as deltas from the previous one, and their counts.</summary>
    [JsonPropertyName("hi")] public int[] BucketDeltas { get; init; } = [];
    [JsonPropertyName("hn")] public long[] BucketCounts { get; init; } = [];
    [JsonPropertyName("hx")] public long MaxUs { get; init; }
    /// <summary>How many times adjacent buckets were merged to fit the payload (0 = full precision).</summary>
    [JsonPropertyName("hk")] public int Coarsened { get; init; }

    public long Requests => Ok + Errors;

    /// <summary>Adds this tick's requests to <paramref name="into"/>.</summary>
    public void AddTo(LatencyHistogram into)
    {
        var index = 0;
        var sum = 0L;
        var indexes = new int[BucketDeltas.Length];
        for (var i = 0; i < BucketDeltas.Length; i++)
        {
            index += BucketDeltas[i];
            indexes[i] = Math.Clamp(index, 0, LatencyHistogram.BucketCount - 1);
            sum += BucketCounts[i] * LatencyHistogram.LowestOf(indexes[i]);
        }
        var count = BucketCounts.Sum();
        if (count == 0) return;
        into.Add(new LatencyHistogram.Snapshot(indexes, BucketCounts, count, sum, LatencyHistogram.LowestOf(indexes[0]), MaxUs));
    }
}

public static class FarmTickCodec
{
    /// <summary>PostgreSQL's NOTIFY payload limit is 8,000 bytes; the rest is headroom for the message kind.</summary>
    public const int MaxPayloadBytes = 7900;
    const int MaxBuckets = 300;

    static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static FarmTick From(Tick tick, LatencyHistogram.Snapshot endToEnd, string instance, string url) => WithHistogram(new FarmTick
    {
        Instance = instance,
        Url = url,
        Seq = tick.Seq,
        UnixMs = tick.UnixMs,
        IntervalMs = tick.IntervalMs,
        Mode = tick.Mode,
        Ok = tick.Ok,
        Errors = tick.Errors,
        InFlight = tick.InFlight,
        InApp = tick.InAppPercentiles.Length >= 4 ? [tick.InAppPercentiles[0], tick.InAppPercentiles[3]] : [],
        WaitForThreadMs = tick.WaitForThread.Length > 0 ? tick.WaitForThread[0] : 0,
        Threads = tick.Threads,
        Queued = tick.QueuedWorkItems,
        MinThreads = tick.MinWorkerThreads,
        DbPool = tick.Extra?.GetValueOrDefault("db") as long[],
        CpuPercent = tick.CpuPercent,
        MaxUs = endToEnd.Max,
    }, endToEnd, 0);

    /// <summary>The payload for NOTIFY: coarsens the histogram until the message fits.</summary>
    public static string Encode(FarmTick tick, LatencyHistogram.Snapshot fullHistogram)
    {
        var json = JsonSerializer.Serialize(tick, Json);
        while (Encoding.UTF8.GetByteCount(json) > MaxPayloadBytes)
        {
            if (tick.BucketDeltas.Length == 0 || tick.Coarsened >= 7)
            {
                // Last resort: counts and insides without the histogram (only ever with absurd names or values).
                tick = tick with { BucketDeltas = [], BucketCounts = [], Coarsened = 8, Url = tick.Url.Length > 100 ? tick.Url[..100] : tick.Url };
                return JsonSerializer.Serialize(tick, Json);
            }
            tick = WithHistogram(tick, fullHistogram, tick.Coarsened + 1);
            json = JsonSerializer.Serialize(tick, Json);
        }
        return json;
    }

    public static FarmTick? Decode(string json)
    {
        try
        {
            var tick = JsonSerializer.Deserialize<FarmTick>(json, Json);
            return tick is null || tick.BucketDeltas.Length != tick.BucketCounts.Length || tick.Instance.Length == 0 ? null : tick;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Keeps at most <see cref="MaxBuckets"/> buckets, merging groups of 2^level neighbours into the group's middle.</summary>
    static FarmTick WithHistogram(FarmTick tick, LatencyHistogram.Snapshot snapshot, int level)
    {
        while (true)
        {
            var deltas = new List<int>();
            var counts = new List<long>();
            int previous = 0, group = -1;
            foreach (var (index, count) in snapshot.Indexes.Zip(snapshot.Counts))
            {
                var target = level == 0 ? index : (index >> level << level) + (1 << (level - 1));
                if (target == group) { counts[^1] += count; continue; }
                deltas.Add(target - previous);
                counts.Add(count);
                previous = group = target;
            }
            if (counts.Count <= MaxBuckets || level >= 7)
                return tick with { BucketDeltas = [.. deltas], BucketCounts = [.. counts], Coarsened = level };
            level++;
        }
    }
}
