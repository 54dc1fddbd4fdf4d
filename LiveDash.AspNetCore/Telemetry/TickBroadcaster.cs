namespace LiveDash.AspNetCore;

/// <summary>
/// The last minute of ticks for each dashboard's own bounded queue (see <see cref="HistoryBroadcaster{T}"/>);
/// a new dashboard's backlog carries the waterfall only in its newest few ticks.
/// </summary>
internal sealed class TickBroadcaster() : HistoryBroadcaster<Tick>(static (tick, i, count) => i < count - FullDetailBacklog ? tick with { Waterfall = null } : tick)
{
    const int FullDetailBacklog = 8;   // older backlog ticks go without their waterfall
}
