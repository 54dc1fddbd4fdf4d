using LiveDash.LoadTests.Scenarios;

namespace LiveDash.LoadTests.Running;

/// <summary>
/// The load simulations laid end to end on one time axis: how many closed-model copies should run
/// at time t, and when each open-model arrival is intended to start.
/// </summary>
public sealed class LoadTimeline
{
    readonly List<Segment> _segments = [];

    /// <summary>From/To: copies (closed) or arrivals per second (open) at the segment's start and end.</summary>
    sealed record Segment(double Start, double End, bool Open, double From, double To);

    public LoadTimeline(IEnumerable<LoadSimulation> simulations)
    {
        double at = 0, copies = 0, rate = 0;
        foreach (var simulation in simulations)
        {
            var length = simulation.During.TotalSeconds;
            switch (simulation)
            {
                case KeepConstant keep:
                    _segments.Add(new Segment(at, at + length, false, keep.Copies, keep.Copies));
                    copies = keep.Copies;
                    break;
                case RampingConstant ramp:
                    _segments.Add(new Segment(at, at + length, false, copies, ramp.Copies));
                    copies = ramp.Copies;
                    break;
                case Inject inject:
                    _segments.Add(new Segment(at, at + length, true, inject.PerSecond, inject.PerSecond));
                    rate = inject.PerSecond;
                    break;
                case RampingInject ramp:
                    _segments.Add(new Segment(at, at + length, true, rate, ramp.PerSecond));
                    rate = ramp.PerSecond;
                    break;
            }
            at += length;
        }
        Length = at;
    }

    public double Length { get; }

    public bool HasOpen => _segments.Any(s => s.Open);

    public bool HasClosed => _segments.Any(s => !s.Open);

    /// <summary>Closed-model copies wanted at <paramref name="t"/> seconds (0 during open segments).</summary>
    public int CopiesAt(double t)
    {
        foreach (var s in _segments)
        {
            if (t < s.Start || t >= s.End) continue;
            if (s.Open) return 0;
            var fraction = (t - s.Start) / (s.End - s.Start);
            return (int)Math.Round(s.From + (s.To - s.From) * fraction);
        }
        return 0;
    }

    /// <summary>Intended start times (seconds from the start) of every open-model arrival, in order, up to <paramref name="until"/>.</summary>
    public IEnumerable<double> Arrivals(double until)
    {
        foreach (var s in _segments)
        {
            if (!s.Open || s.Start >= until) continue;
            var length = s.End - s.Start;
            // The n-th arrival of a segment falls where the integral of its (linear) rate reaches n.
            var total = (s.From + s.To) / 2 * length;
            for (long n = 1; n <= (long)Math.Floor(total + 1e-9); n++)
            {
                var u = OffsetOfArrival(n, s.From, s.To, length);
                var t = s.Start + u;
                if (t >= until) break;
                yield return t;
            }
        }
    }

    static double OffsetOfArrival(long n, double from, double to, double length)
    {
        var slope = (to - from) / length;
        if (Math.Abs(slope) < 1e-12) return n / from;
        // from·u + slope·u²/2 = n
        var discriminant = from * from + 2 * slope * n;
        return (-from + Math.Sqrt(Math.Max(0, discriminant))) / slope;
    }
}
