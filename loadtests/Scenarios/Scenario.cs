namespace LiveDash.LoadTests.Scenarios;

/// <summary>
/// A named load test: each iteration runs <see cref="Steps"/> in order; the load simulations say
/// how many iterations run (closed model: copies looping) or start (open model: arrivals per interval).
/// </summary>
public sealed record Scenario(
    string Name,
    string Description,
    IReadOnlyList<ScenarioStep> Steps,
    IReadOnlyList<LoadSimulation> LoadSimulations,
    IReadOnlyDictionary<string, ScenarioVariable> Variables,
    IReadOnlyList<Threshold> Thresholds)
{
    public TimeSpan WarmUp { get; init; } = TimeSpan.Zero;

    /// <summary>Open model: at most this many iterations in flight; arrivals that find no room wait, then drop.</summary>
    public int MaxInFlight { get; init; } = 2_000;

    /// <summary>Open model: an iteration that cannot start this long after its intended time is dropped.</summary>
    public TimeSpan DropAfter { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Server settings the scenario wants (applied through the admin API when the password is known).</summary>
    public int? ServerDbLatencyMs { get; init; }

    /// <summary>Where the scenario came from, for messages: a file path or "built in".</summary>
    public string Source { get; init; } = "built in";

    public TimeSpan Duration => LoadSimulations.Aggregate(TimeSpan.Zero, (sum, s) => sum + s.During);

    public int MaxCopies => LoadSimulations.OfType<ClosedSimulation>().Select(s => s.Copies).DefaultIfEmpty(0).Max();

    public bool IsOpen => LoadSimulations.Any(s => s is OpenSimulation);
}

/// <summary>One HTTP request of an iteration; <see cref="Path"/> may hold {variable} placeholders.</summary>
public sealed record ScenarioStep(string Name, string Path, string Method = "GET")
{
    /// <summary>Pause after this step, drawn uniformly from 0.5x to 1.5x so users do not move in lockstep.</summary>
    public TimeSpan ThinkTime { get; init; } = TimeSpan.Zero;
}

/// <summary>A value drawn for each use of {name}: a whole number in [From, To] or one of <see cref="Choices"/>.</summary>
public sealed record ScenarioVariable(long From, long To, IReadOnlyList<string>? Choices = null, long SkipMultiplesOf = 0)
{
    public string Draw(Random random)
    {
        if (Choices is { Count: > 0 }) return Choices[random.Next(Choices.Count)];
        while (true)
        {
            var value = random.NextInt64(From, To + 1);
            if (SkipMultiplesOf <= 0 || value % SkipMultiplesOf != 0) return value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}

public abstract record LoadSimulation(TimeSpan During)
{
    public abstract string Describe();
}

/// <summary>Closed model: a fixed population of copies, each starting its next iteration when the last ends.</summary>
public abstract record ClosedSimulation(int Copies, TimeSpan During) : LoadSimulation(During);

/// <summary>Keeps <paramref name="Copies"/> copies running for <paramref name="During"/>.</summary>
public sealed record KeepConstant(int Copies, TimeSpan During) : ClosedSimulation(Copies, During)
{
    public override string Describe() => $"KeepConstant(copies: {Copies}, during: {DurationText.Format(During)})";
}

/// <summary>Moves linearly from the previous simulation's copies (0 at the start) to <paramref name="Copies"/>.</summary>
public sealed record RampingConstant(int Copies, TimeSpan During) : ClosedSimulation(Copies, During)
{
    public override string Describe() => $"RampingConstant(copies: {Copies}, during: {DurationText.Format(During)})";
}

/// <summary>Open model: iterations start on a schedule, whether or not earlier ones have finished.</summary>
public abstract record OpenSimulation(int Rate, TimeSpan Interval, TimeSpan During) : LoadSimulation(During)
{
    public double PerSecond => Rate / Interval.TotalSeconds;
}

/// <summary>Starts <paramref name="Rate"/> iterations every <paramref name="Interval"/>, evenly spaced.</summary>
public sealed record Inject(int Rate, TimeSpan Interval, TimeSpan During) : OpenSimulation(Rate, Interval, During)
{
    public override string Describe() => $"Inject(rate: {Rate}, interval: {DurationText.Format(Interval)}, during: {DurationText.Format(During)})";
}

/// <summary>Moves the arrival rate linearly from the previous simulation's rate (0 at the start) to <paramref name="Rate"/>.</summary>
public sealed record RampingInject(int Rate, TimeSpan Interval, TimeSpan During) : OpenSimulation(Rate, Interval, During)
{
    public override string Describe() => $"RampingInject(rate: {Rate}, interval: {DurationText.Format(Interval)}, during: {DurationText.Format(During)})";
}
