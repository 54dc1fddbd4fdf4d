namespace LiveDash.Farm;

/// <summary>
/// The last minute of farm frames, and each new one handed to every farm panel's own bounded queue (oldest dropped when full).
/// Built on the library's HistoryBroadcaster, internal there and compiled into the store from its source (LiveDash.Web.csproj).
/// </summary>
sealed class FarmBroadcaster : HistoryBroadcaster<FarmFrame>;
