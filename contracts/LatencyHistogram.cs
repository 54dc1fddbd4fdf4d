using System.Numerics;

namespace LiveDash.Contracts;

/// <summary>
/// A log-linear (HDR-style) histogram of non-negative integer values, e.g. microseconds.
/// Values below 256 are kept exactly; above, each power of two is split into 128 buckets, so any
/// reported percentile is within 0.4% of the true value. Recording is lock-free and safe from many
/// threads at once; reading while others record gives a slightly moving but consistent-enough view.
/// </summary>
public sealed class LatencyHistogram
{
    const int ExactLimit = 256;          // values below this get a bucket each
    const int SubBuckets = 128;          // buckets per power of two above it
    const int SubBucketBits = 7;
    const int MaxMagnitude = 40;         // values are clamped to 2^40 - 1 (12.7 days in µs)
    /// <summary>The largest value kept; larger ones are recorded as it.</summary>
    public const long MaxValue = (1L << MaxMagnitude) - 1;
    /// <summary>How many buckets there are; a bucket's index is below it.</summary>
    public const int BucketCount = ExactLimit + (MaxMagnitude - 8) * SubBuckets;

    readonly long[] _counts = new long[BucketCount];
    long _count;
    long _sum;
    long _max;
    long _min = long.MaxValue;

    /// <summary>How many values were recorded.</summary>
    public long Count => Volatile.Read(ref _count);
    /// <summary>The largest value recorded (0 when none).</summary>
    public long Max => Count == 0 ? 0 : Volatile.Read(ref _max);
    /// <summary>The smallest value recorded (0 when none).</summary>
    public long Min => Count == 0 ? 0 : Volatile.Read(ref _min);
    /// <summary>The mean of the values recorded (0 when none).</summary>
    public double Mean => Count == 0 ? 0 : (double)Volatile.Read(ref _sum) / Count;
    /// <summary>The sum of the values recorded.</summary>
    public long Sum => Volatile.Read(ref _sum);

    /// <summary>Records one value (clamped to 0..<see cref="MaxValue"/>).</summary>
    /// <param name="value">The value, e.g. microseconds.</param>
    public void Record(long value)
    {
        value = Math.Clamp(value, 0, MaxValue);
        Interlocked.Increment(ref _counts[IndexOf(value)]);
        Interlocked.Add(ref _sum, value);
        Interlocked.Increment(ref _count);
        var max = Volatile.Read(ref _max);
        while (value > max && Interlocked.CompareExchange(ref _max, value, max) is var seen && seen != max) max = seen;
        var min = Volatile.Read(ref _min);
        while (value < min && Interlocked.CompareExchange(ref _min, value, min) is var seen && seen != min) min = seen;
    }

    /// <summary>Nearest-rank percentile (0–100], reported as the middle of the value's bucket.</summary>
    /// <param name="percentile">From 0 to 100, e.g. 99.9.</param>
    /// <returns>The value at that rank (0 when the histogram is empty).</returns>
    public long ValueAtPercentile(double percentile)
    {
        var count = Count;
        if (count == 0) return 0;
        var rank = Math.Max(1, (long)Math.Ceiling(Math.Clamp(percentile, 0, 100) / 100.0 * count));
        long seen = 0;
        for (var i = 0; i < BucketCount; i++)
        {
            seen += Volatile.Read(ref _counts[i]);
            if (seen >= rank) return Math.Min(Representative(i), Max);
        }
        return Max;
    }

    /// <summary>Adds every value of <paramref name="other"/> to this one.</summary>
    /// <param name="other">A histogram to merge in.</param>
    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < BucketCount; i++)
        {
            var n = Volatile.Read(ref other._counts[i]);
            if (n != 0) Interlocked.Add(ref _counts[i], n);
        }
        Interlocked.Add(ref _sum, Volatile.Read(ref other._sum));
        Interlocked.Add(ref _count, other.Count);
        if (other.Count > 0) Widen(other.Min, other.Max);
    }

    /// <summary>Adds counts as another histogram's <see cref="Buckets"/> listed them (e.g. sent over the wire), with its sum, min and max.</summary>
    /// <param name="buckets">Each bucket's lowest value and count.</param>
    /// <param name="sum">The sum of the values.</param>
    /// <param name="min">The smallest.</param>
    /// <param name="max">The largest.</param>
    public void AddBuckets(IEnumerable<(long Low, long Count)> buckets, long sum, long min, long max)
    {
        long count = 0;
        foreach (var (low, n) in buckets)
        {
            if (n <= 0) continue;
            Interlocked.Add(ref _counts[IndexOf(Math.Clamp(low, 0, MaxValue))], n);
            count += n;
        }
        if (count == 0) return;
        Interlocked.Add(ref _sum, sum);
        Interlocked.Add(ref _count, count);
        Widen(min, max);
    }

    void Widen(long min, long max)
    {
        long cur;
        while (max > (cur = Volatile.Read(ref _max)) && Interlocked.CompareExchange(ref _max, max, cur) != cur) { }
        while (min < (cur = Volatile.Read(ref _min)) && Interlocked.CompareExchange(ref _min, min, cur) != cur) { }
    }

    /// <summary>A compact copy (non-empty buckets only), for keeping many seconds of history cheaply.</summary>
    /// <returns>The copy.</returns>
    public Snapshot TakeSnapshot()
    {
        var indexes = new List<int>();
        var counts = new List<long>();
        for (var i = 0; i < BucketCount; i++)
        {
            var n = Volatile.Read(ref _counts[i]);
            if (n == 0) continue;
            indexes.Add(i);
            counts.Add(n);
        }
        return new Snapshot([.. indexes], [.. counts], Count, Volatile.Read(ref _sum), Min, Max);
    }

    /// <summary>Adds every value of <paramref name="snapshot"/> to this one.</summary>
    /// <param name="snapshot">A snapshot taken with <see cref="TakeSnapshot"/> (of this or another histogram).</param>
    public void Add(Snapshot snapshot)
    {
        for (var i = 0; i < snapshot.Indexes.Length; i++) Interlocked.Add(ref _counts[snapshot.Indexes[i]], snapshot.Counts[i]);
        Interlocked.Add(ref _sum, snapshot.Sum);
        Interlocked.Add(ref _count, snapshot.Count);
        if (snapshot.Count > 0) Widen(snapshot.Min, snapshot.Max);
    }

    /// <summary>A histogram's non-empty buckets and totals, as <see cref="TakeSnapshot"/> copies them.</summary>
    /// <param name="Indexes">The non-empty buckets' indexes, ascending.</param>
    /// <param name="Counts">Each one's count.</param>
    /// <param name="Count">How many values.</param>
    /// <param name="Sum">Their sum.</param>
    /// <param name="Min">The smallest.</param>
    /// <param name="Max">The largest.</param>
    public sealed record Snapshot(int[] Indexes, long[] Counts, long Count, long Sum, long Min, long Max);

    /// <summary>Empties the histogram (not atomic: do not record meanwhile).</summary>
    public void Reset()
    {
        Array.Clear(_counts);
        Volatile.Write(ref _count, 0);
        Volatile.Write(ref _sum, 0);
        Volatile.Write(ref _max, 0);
        Volatile.Write(ref _min, long.MaxValue);
    }

    /// <summary>Non-empty buckets as (lowest value, highest value, count), in value order.</summary>
    /// <returns>The buckets, read as they are now.</returns>
    public IEnumerable<(long Low, long High, long Count)> Buckets()
    {
        for (var i = 0; i < BucketCount; i++)
        {
            var n = Volatile.Read(ref _counts[i]);
            if (n != 0) yield return (LowestOf(i), HighestOf(i), n);
        }
    }

    /// <summary>The bucket a value (µs) falls in.</summary>
    public static int IndexOf(long value)
    {
        if (value < ExactLimit) return (int)value;
        var magnitude = 63 - BitOperations.LeadingZeroCount((ulong)value);   // >= 8
        var shift = magnitude - SubBucketBits;
        var sub = (int)(value >> shift) - SubBuckets;                          // 0..127
        return ExactLimit + (magnitude - 8) * SubBuckets + sub;
    }

    /// <summary>The lowest value bucket <paramref name="index"/> holds.</summary>
    /// <param name="index">A bucket's index, 0 to <see cref="BucketCount"/> - 1.</param>
    /// <returns>Its lowest value.</returns>
    public static long LowestOf(int index)
    {
        if (index < ExactLimit) return index;
        var magnitude = (index - ExactLimit) / SubBuckets + 8;
        var sub = (index - ExactLimit) % SubBuckets + SubBuckets;
        return (long)sub << (magnitude - SubBucketBits);
    }

    /// <summary>The highest value (µs) bucket <paramref name="index"/> holds.</summary>
    public static long HighestOf(int index)
    {
        if (index < ExactLimit) return index;
        var magnitude = (index - ExactLimit) / SubBuckets + 8;
        return LowestOf(index) + (1L << (magnitude - SubBucketBits)) - 1;
    }

    static long Representative(int index) => (LowestOf(index) + HighestOf(index)) / 2;
}
