using System.Diagnostics;
using System.Text.Json.Serialization;
using LiveDash.AspNetCore;

namespace LiveDash.Store.Mongo;

/// <summary>
/// What the MongoDB driver could not do, on the tick (key "mgo"): connections it could not open and checkouts that
/// timed out over the last second, and since start. Both happen when the thread pool starves: the driver's connect is
/// a socket connect waited on, and its completion needs a pool thread.
/// </summary>
public sealed record MongoPoolTick(
    [property: JsonPropertyName("of")] long OpenFailures,
    [property: JsonPropertyName("ct")] long CheckoutTimeouts,
    [property: JsonPropertyName("ofn")] long OpenFailuresTotal,
    [property: JsonPropertyName("ctn")] long CheckoutTimeoutsTotal,
    [property: JsonPropertyName("open")] int Open,
    [property: JsonPropertyName("use")] int InUse);

/// <summary>
/// Writes <see cref="MongoPoolTick"/> on every tick from <see cref="MongoPoolMonitor"/>'s counters. The last second's
/// figures are the counters now less the newest sample at least a second old (samples are kept one per tick, called on
/// the ticker's thread only, so no lock).
/// </summary>
public sealed class MongoGauges(MongoPoolMonitor pool) : ILiveDashGauges
{
    public const string Key = "mgo";
    const int Samples = 16;   // 4 s of 250 ms ticks
    readonly (long At, long Opens, long Checkouts)[] _ring = new (long, long, long)[Samples];
    int _next, _count;

    public void Write(IDictionary<string, object> tick) => tick[Key] = Sample(Stopwatch.GetTimestamp());

    public MongoPoolTick Sample(long now)
    {
        long opens = pool.OpenFailures, checkouts = pool.CheckoutTimeouts;
        // The baseline: the newest sample at least a second old, else the oldest one kept (the first tick counts none).
        (long At, long Opens, long Checkouts) since = (now, opens, checkouts);
        for (var i = 1; i <= _count; i++)
        {
            var s = _ring[(_next - i + Samples) % Samples];
            since = s;
            if (Stopwatch.GetElapsedTime(s.At, now) >= TimeSpan.FromSeconds(1)) break;
        }
        _ring[_next] = (now, opens, checkouts);
        _next = (_next + 1) % Samples;
        _count = Math.Min(_count + 1, Samples);
        return new MongoPoolTick(opens - since.Opens, checkouts - since.Checkouts, opens, checkouts, pool.Open, pool.InUse);
    }
}
