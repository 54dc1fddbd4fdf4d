namespace LiveDash.AspNetCore;

/// <summary>How LiveDash measures and where it serves its dashboard; set in <c>AddLiveDash(o => …)</c>.</summary>
public sealed class LiveDashOptions
{
    /// <summary>Where <c>MapLiveDash()</c> serves the dashboard, its assets and <c>api/summary</c> when given no path.</summary>
    public string Path { get; set; } = "/livedash";

    /// <summary>The SignalR hub the dashboard reads its ticks from; default <c>{path}/hub</c>.</summary>
    public string? HubPath { get; set; }

    /// <summary>Record request timelines and publish ticks; off removes every per-request cost.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Stamp arrival at the socket (end to end); off, latency counts from the first middleware.</summary>
    public bool MeasureArrival { get; set; } = true;

    /// <summary>Path prefixes whose requests are not measured (long-lived connections such as hubs); the LiveDash hub always is not.</summary>
    public IList<string> UnmeasuredPaths { get; } = [];

    internal string HubPathFor(string path) => HubPath ?? path.TrimEnd('/') + "/hub";
}
