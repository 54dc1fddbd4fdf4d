using LiveDash.Telemetry;

namespace LiveDash.Farm;

/// <summary>The last minute of farm frames, and each new one handed to every farm panel's own bounded queue (oldest dropped when full).</summary>
public sealed class FarmBroadcaster : HistoryBroadcaster<FarmFrame>;
