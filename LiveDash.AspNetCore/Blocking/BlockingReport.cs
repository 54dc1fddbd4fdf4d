using System.Text.Json.Serialization;

namespace LiveDash.AspNetCore;

/// <summary>What a blocking capture found: per endpoint, where its threads sat blocked, the app's own frame first.</summary>
/// <param name="Seconds">How long the sampler ran.</param>
/// <param name="StartedAt">When it started (UTC).</param>
/// <param name="Endpoints">Endpoints with blocked samples, the most blocked first.</param>
/// <param name="Error">Why the capture failed, when it did (the app kept serving).</param>
/// <param name="Note">What to know about a capture that ran, e.g. that it saw no blocking.</param>
sealed record BlockingReport(
    int Seconds,
    DateTimeOffset StartedAt,
    IReadOnlyList<BlockingEndpoint> Endpoints,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Note = null)
{
    /// <summary>Milliseconds from the start to the result: sampling, rundown and reading the trace.</summary>
    public long TookMs { get; init; }

    /// <summary>Stack samples of request threads in the capture, blocked or not.</summary>
    public long RequestSamples { get; init; }
}

/// <param name="Route">The endpoint's route template, e.g. <c>/orders/{id}</c>.</param>
/// <param name="BlockedSamples">Samples (1 ms each) of this endpoint's threads blocked outside managed code.</param>
/// <param name="Sites">Its top blocking call sites, the most samples first.</param>
sealed record BlockingEndpoint(string Route, long BlockedSamples, IReadOnlyList<BlockingSite> Sites);

/// <param name="AppFrame">The first frame in the app's own code, as Type.Method.</param>
/// <param name="BlockingFrame">The blocking call beneath it, e.g. Thread.Sleep, Socket.Receive, TaskAwaiter.GetResult.</param>
/// <param name="Share">Its share of the endpoint's blocked samples, 0..1.</param>
/// <param name="Samples">Its blocked samples.</param>
/// <param name="Stack">Its most frequent stack, innermost frame first.</param>
sealed record BlockingSite(string AppFrame, string BlockingFrame, double Share, long Samples, IReadOnlyList<string> Stack);
