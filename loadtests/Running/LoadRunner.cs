using System.Diagnostics;
using System.Text;
using LiveDash.LoadTests.Scenarios;

namespace LiveDash.LoadTests.Running;

/// <summary>Caps every run has, whatever its scenario says.</summary>
public sealed record RunLimits(TimeSpan MaxDuration, long MaxRequests)
{
    public static readonly RunLimits Default = new(TimeSpan.FromSeconds(600), 2_000_000);
}

/// <summary>A change of load while a run goes, from the moment it is made: Copies (closed model) or PerSecond (open model).</summary>
public sealed record LoadChange(int? Copies = null, double? PerSecond = null);

/// <summary>What the live view shows each second.</summary>
public sealed record ProgressSnapshot(
    string Scenario, bool WarmingUp, double Elapsed, double Remaining, long Requests, long Errors, long Dropped, long InFlight,
    long LastSecondRequests, double LastSecondP50, double LastSecondP99, IReadOnlyDictionary<string, long> ErrorsByKind);

/// <summary>
/// Runs one scenario against one target: closed-model copies loop over the steps, open-model arrivals
/// start on schedule, and every request is timed from its intended start as well as its actual send.
/// </summary>
public sealed class LoadRunner(HttpClient http, Uri target, Scenario scenario, RunLimits limits)
{
    static readonly TimeSpan ControllerTick = TimeSpan.FromMilliseconds(50);
    // An open-model wait never sleeps longer than this, so a rate change is picked up promptly.
    static readonly TimeSpan ChangePoll = TimeSpan.FromMilliseconds(100);
    readonly string _baseAddress = target.GetLeftPart(UriPartial.Path).TrimEnd('/');
    readonly LoadTimeline _timeline = new(scenario.LoadSimulations);
    readonly Uri?[] _fixedUris = scenario.Steps
        .Select(step => step.Path.Contains('{') ? null : new Uri(target.GetLeftPart(UriPartial.Path).TrimEnd('/') + step.Path)).ToArray();
    volatile Phase? _current;
    volatile LoadChange? _change;
    long _startedRequests;
    long _lastAnswer;
    volatile string? _stopReason;

    /// <summary>When the target last answered a request (any HTTP status; a timeout or a refused connection is no answer); 0 before.</summary>
    public long LastAnswerTimestamp => Volatile.Read(ref _lastAnswer);

    public string? ServerMode { get; init; }

    /// <summary>Keep each finished second's buckets until released (an agent sends them to its server).</summary>
    public bool KeepSecondBuckets { get; init; }

    /// <summary>The current phase's figures as they are recorded (null before the run starts).</summary>
    public RunStats? CurrentStats => _current?.Stats;

    /// <summary>The measured phase's figures: null before it starts, so also during the warm-up.</summary>
    public RunStats? MeasuredStats => _current is { WarmUp: false } phase ? phase.Stats : null;

    /// <summary>The load last set with <see cref="ChangeLoad"/>; null while the scenario's simulations rule.</summary>
    public LoadChange? CurrentChange => _change;

    /// <summary>
    /// Replaces the scenario's simulations from now on (before the run: from its start) with a constant
    /// number of copies (closed model) or a constant arrival rate (open model); the run's length stays.
    /// </summary>
    public void ChangeLoad(LoadChange change)
    {
        if (change.Copies is { } copies)
        {
            if (!_timeline.HasClosed) throw new ArgumentException("this run is open-model (arrivals per second); change its rate, not its users", nameof(change));
            if (copies is < 0 or > ScenarioFile.MaxCopies) throw new ArgumentOutOfRangeException(nameof(change), $"users must be from 0 to {ScenarioFile.MaxCopies}, got {copies}");
        }
        else if (change.PerSecond is { } rate)
        {
            if (!_timeline.HasOpen) throw new ArgumentException("this run is closed-model (users); change its users, not its rate", nameof(change));
            if (!double.IsFinite(rate) || rate < 0 || rate > ScenarioFile.MaxRate) throw new ArgumentOutOfRangeException(nameof(change), $"rate must be from 0 to {ScenarioFile.MaxRate} per second, got {rate}");
        }
        else throw new ArgumentException("give users or rate", nameof(change));
        _change = change;
    }

    /// <summary>Live figures for the console and the dashboard; null before the run starts.</summary>
    public ProgressSnapshot? Snapshot()
    {
        var phase = _current;
        if (phase is null) return null;
        var elapsed = Stopwatch.GetElapsedTime(phase.StartTimestamp).TotalSeconds;
        var stats = phase.Stats;
        var lastSecond = stats.At(stats.SecondOf(Stopwatch.GetTimestamp()) - 1);
        return new ProgressSnapshot(scenario.Name, phase.WarmUp, Math.Round(elapsed, 1), Math.Max(0, Math.Round(phase.Length - elapsed, 1)),
            stats.Requests, stats.Errors, stats.Dropped, stats.InFlight, lastSecond?.Requests ?? 0,
            lastSecond is null ? 0 : RunLatency.Ms(lastSecond.Figures().P50),
            lastSecond is null ? 0 : RunLatency.Ms(lastSecond.Figures().P99),
            new SortedDictionary<string, long>(stats.ErrorsByKind));
    }

    public async Task<RunResult> RunAsync(CancellationToken cancel)
    {
        var timeline = _timeline;
        var length = Math.Min(timeline.Length, limits.MaxDuration.TotalSeconds);
        var stopReason = length < timeline.Length ? $"stopped at the duration cap of {limits.MaxDuration.TotalSeconds:0} s" : "completed";

        if (scenario.WarmUp > TimeSpan.Zero && !cancel.IsCancellationRequested)
        {
            var warmUp = new Phase(Math.Min(scenario.WarmUp.TotalSeconds, length), WarmUp: true, scenario.RequestTimeout, KeepSecondBuckets);
            await RunPhaseAsync(timeline, warmUp, cancel);
            Interlocked.Exchange(ref _startedRequests, 0);
        }

        var measured = new Phase(length, WarmUp: false, scenario.RequestTimeout, KeepSecondBuckets);
        var startedAt = DateTimeOffset.Now;
        var seconds = await RunPhaseAsync(timeline, measured, cancel);
        if (cancel.IsCancellationRequested) stopReason = "cancelled";
        else if (_stopReason is { } reason) stopReason = reason;
        return RunResult.From(scenario, _baseAddress, ServerMode, startedAt, seconds, measured.Stats, stopReason);
    }

    sealed class Phase(double length, bool WarmUp, TimeSpan requestTimeout, bool keepBuckets)
    {
        public double Length { get; } = length;
        public bool WarmUp { get; } = WarmUp;
        public RunStats Stats { get; } = new((int)Math.Ceiling(length + requestTimeout.TotalSeconds) + 2) { KeepSealedBuckets = keepBuckets };
        public long StartTimestamp { get; set; }
        public CancellationTokenSource Stop { get; } = new();

        /// <summary>Iterations (open model) and copies (closed model) still running.</summary>
        public int Running;

        public void Enter() => Interlocked.Increment(ref Running);

        public void Leave() => Interlocked.Decrement(ref Running);
    }

    /// <summary>Returns the seconds from the phase's start to its last response.</summary>
    async Task<double> RunPhaseAsync(LoadTimeline timeline, Phase phase, CancellationToken cancel)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancel, phase.Stop.Token);
        phase.StartTimestamp = Stopwatch.GetTimestamp();
        phase.Stats.Start(phase.StartTimestamp);
        _current = phase;

        var drivers = new List<Task>();
        if (timeline.HasClosed) drivers.Add(DriveClosedAsync(timeline, phase, linked.Token));
        if (timeline.HasOpen) drivers.Add(DriveOpenAsync(timeline, phase, linked.Token));
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(phase.Length), linked.Token);
        }
        catch (OperationCanceledException)
        {
        }
        phase.Stop.Cancel();
        await Task.WhenAll(drivers);
        // In-flight requests finish on their own, bounded by their timeout.
        var deadline = Stopwatch.GetTimestamp() + (long)((scenario.RequestTimeout.TotalSeconds + 1) * Stopwatch.Frequency);
        while (Volatile.Read(ref phase.Running) > 0 && Stopwatch.GetTimestamp() < deadline) await Task.Delay(5, CancellationToken.None);
        return Math.Max(Stopwatch.GetElapsedTime(phase.StartTimestamp).TotalSeconds, 0.001);
    }

    async Task DriveClosedAsync(LoadTimeline timeline, Phase phase, CancellationToken stop)
    {
        var wanted = 0;
        var running = new bool[ScenarioFile.MaxCopies + 1];
        while (!stop.IsCancellationRequested)
        {
            var elapsed = Stopwatch.GetElapsedTime(phase.StartTimestamp).TotalSeconds;
            Volatile.Write(ref wanted, Math.Min(_change?.Copies ?? timeline.CopiesAt(elapsed), ScenarioFile.MaxCopies));
            for (var copy = 0; copy < Volatile.Read(ref wanted); copy++)
            {
                if (Volatile.Read(ref running[copy])) continue;
                Volatile.Write(ref running[copy], true);
                var index = copy;
                phase.Enter();
                _ = Task.Run(async () =>
                {
                    try
                    {
                        while (!stop.IsCancellationRequested && index < Volatile.Read(ref wanted))
                            await IterationAsync(phase, intendedStart: null, stop);
                    }
                    finally
                    {
                        Volatile.Write(ref running[index], false);
                        phase.Leave();
                    }
                }, CancellationToken.None);
            }
            try
            {
                await Task.Delay(ControllerTick, stop);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    async Task DriveOpenAsync(LoadTimeline timeline, Phase phase, CancellationToken stop)
    {
        // Not disposed: iterations still running release their slot after this method returns.
        var slots = new SemaphoreSlim(scenario.MaxInFlight, scenario.MaxInFlight);
        var dropAfter = scenario.DropAfter.TotalSeconds;
        using var arrivals = new ArrivalSchedule(timeline, phase.Length, () => _change);
        double? waitingForRoom = null;
        try
        {
            while (true)
            {
                var due = arrivals.Peek(Stopwatch.GetElapsedTime(phase.StartTimestamp).TotalSeconds);
                if (due >= phase.Length && _change is null) break;
                var wait = due - Stopwatch.GetElapsedTime(phase.StartTimestamp).TotalSeconds;
                // Timers tick about once a millisecond; arrivals due sooner go out in the same batch.
                if (wait > ChangePoll.TotalSeconds)
                {
                    await Task.Delay(ChangePoll, stop);
                    continue;
                }
                if (wait > 0.001) await Task.Delay(TimeSpan.FromSeconds(wait), stop);
                if (stop.IsCancellationRequested)
                {
                    CountOverdueAsDropped(phase, arrivals);
                    break;
                }
                arrivals.Take();
                waitingForRoom = due;

                var intended = phase.StartTimestamp + (long)(due * Stopwatch.Frequency);
                var late = Stopwatch.GetElapsedTime(intended).TotalSeconds;
                var room = late <= dropAfter && (slots.Wait(0) || await slots.WaitAsync(TimeSpan.FromSeconds(dropAfter - late), stop));
                waitingForRoom = null;
                if (!room)
                {
                    phase.Stats.IterationDropped(Stopwatch.GetTimestamp());
                    continue;
                }
                phase.Enter();
                _ = Task.Run(async () =>
                {
                    try
                    {
                        await IterationAsync(phase, intended, stop);
                    }
                    finally
                    {
                        slots.Release();
                        phase.Leave();
                    }
                }, CancellationToken.None);
            }
        }
        catch (OperationCanceledException)
        {
            // The arrival that was waiting for room when the run ended never started: it was late, not absent.
            if (waitingForRoom is not null && _stopReason is null) phase.Stats.IterationDropped(Stopwatch.GetTimestamp());
            CountOverdueAsDropped(phase, arrivals);
        }
    }

    /// <summary>
    /// When each open-model arrival is due (seconds from the phase's start): the timeline's plan until
    /// the load is changed, then evenly spaced at the new rate from the moment of the change.
    /// </summary>
    sealed class ArrivalSchedule(LoadTimeline timeline, double length, Func<LoadChange?> currentChange) : IDisposable
    {
        IEnumerator<double>? _planned;
        LoadChange? _applied;
        double _anchor;
        long _n;
        double? _next;

        public double Peek(double now)
        {
            var change = currentChange();
            if (_planned is null && _applied is null && change?.PerSecond is null) _planned = timeline.Arrivals(length).GetEnumerator();
            if (change?.PerSecond is not null && !ReferenceEquals(change, _applied))
            {
                _applied = change;
                _planned?.Dispose();
                _planned = null;
                _anchor = now < 0.001 ? 0 : now;
                _n = 1;
                _next = null;
            }
            if (_next is { } next) return next;
            if (_planned is not null) next = _planned.MoveNext() ? _planned.Current : double.PositiveInfinity;
            else
            {
                var rate = _applied!.PerSecond!.Value;
                next = rate > 0 ? _anchor + _n / rate : double.PositiveInfinity;
                if (next >= length) next = double.PositiveInfinity;
            }
            _next = next;
            return next;
        }

        public void Take()
        {
            _next = null;
            if (_planned is null) _n++;
        }

        public void Dispose() => _planned?.Dispose();
    }

    /// <summary>At the end of the run, arrivals already due but never started were late, not absent: they count as dropped.</summary>
    void CountOverdueAsDropped(Phase phase, ArrivalSchedule rest)
    {
        if (_stopReason is not null) return; // stopped by --max-requests: the rest were never meant to run
        var end = Math.Min(phase.Length, Stopwatch.GetElapsedTime(phase.StartTimestamp).TotalSeconds);
        var now = Stopwatch.GetTimestamp();
        for (var next = rest.Peek(end); next < end; next = rest.Peek(end))
        {
            phase.Stats.IterationDropped(now);
            rest.Take();
        }
    }

    async Task IterationAsync(Phase phase, long? intendedStart, CancellationToken stop)
    {
        var random = Random.Shared;
        for (var i = 0; i < scenario.Steps.Count; i++)
        {
            if (!phase.WarmUp && Interlocked.Increment(ref _startedRequests) > limits.MaxRequests)
            {
                _stopReason = $"stopped at --max-requests {limits.MaxRequests}";
                phase.Stop.Cancel();
                return;
            }
            var step = scenario.Steps[i];
            await SendAsync(phase, step, i, i == 0 ? intendedStart : null, random);
            if (step.ThinkTime > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(step.ThinkTime * (0.5 + random.NextDouble()), stop);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    async Task SendAsync(Phase phase, ScenarioStep step, int index, long? intendedStart, Random random)
    {
        // A path without placeholders is the same URI every time: parse it once, not per request.
        var uri = _fixedUris[index] is { } fixedUri ? fixedUri : new Uri(_baseAddress + Expand(step.Path, random));
        using var request = new HttpRequestMessage(new HttpMethod(step.Method), uri);
        using var timeout = new CancellationTokenSource(scenario.RequestTimeout);
        phase.Stats.RequestStarted();
        // The server draws "waiting before the server" from this (same machine, same clock); other tools send none.
        request.Headers.TryAddWithoutValidation(SentHeader.Name, SentHeader.Format(DateTime.UtcNow));
        var sent = Stopwatch.GetTimestamp();
        string? error = null;
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            await response.Content.CopyToAsync(Stream.Null, timeout.Token);
            if ((int)response.StatusCode >= 400) error = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
            Volatile.Write(ref _lastAnswer, Stopwatch.GetTimestamp());
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            error = "timeout";
        }
        catch (HttpRequestException e)
        {
            error = e.HttpRequestError.ToString();
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            error = e.GetType().Name;
        }
        var done = Stopwatch.GetTimestamp();
        var raw = (long)Stopwatch.GetElapsedTime(sent, done).TotalMicroseconds;
        var corrected = intendedStart is { } intended && intended < sent ? (long)Stopwatch.GetElapsedTime(intended, done).TotalMicroseconds : raw;
        phase.Stats.RequestEnded(done, corrected, raw, error);
    }

    string Expand(string path, Random random)
    {
        if (!path.Contains('{')) return path;
        var builder = new StringBuilder(path.Length + 16);
        var last = 0;
        foreach (System.Text.RegularExpressions.Match m in ScenarioFile.Placeholder().Matches(path))
        {
            builder.Append(path, last, m.Index - last);
            builder.Append(Uri.EscapeDataString(scenario.Variables[m.Groups[1].Value].Draw(random)));
            last = m.Index + m.Length;
        }
        return builder.Append(path, last, path.Length - last).ToString();
    }
}
