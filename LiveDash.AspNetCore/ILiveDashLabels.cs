using Microsoft.AspNetCore.Http;

namespace LiveDash.AspNetCore;

/// <summary>
/// The host's labels for its requests: a label per request (e.g. the mode it runs in), and a coarse second
/// dimension the host is set to (e.g. a deployment or a server setting). Register one as a singleton (or with
/// <see cref="LiveDashBuilder.AddLabels{T}"/>) to replace the default single label "all"; it is read once per request.
/// </summary>
public interface ILiveDashLabels
{
    /// <summary>The label's values; a request's label is an index into them (at most <see cref="LiveDashLabels.MaxLabels"/>).</summary>
    IReadOnlyList<string> Names { get; }

    /// <summary>The label of the request just arriving (read once, by the first middleware).</summary>
    /// <param name="context">The request.</param>
    /// <returns>An index into <see cref="Names"/>.</returns>
    int Of(HttpContext context);

    /// <summary>The label the host is set to now: the tick carries it, and the per-label totals count time under it.</summary>
    int Current { get; }

    /// <summary>
    /// The second label dimension the host is set to now (0 when it has none): per-label totals are kept per
    /// (label, group) in <see cref="Tick.Modes"/>, and traces carry it as <c>livedash.group</c>.
    /// </summary>
    int Group { get; }

    /// <summary>How a group is named on traces (attribute <c>livedash.group</c>); default its number.</summary>
    /// <param name="group">A value <see cref="Group"/> returned.</param>
    /// <returns>The group's name.</returns>
    string GroupName(int group) => group.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>The default: every request is labelled "all".</summary>
public sealed class LiveDashLabels : ILiveDashLabels
{
    /// <summary>How many label values the recorder keeps apart.</summary>
    public const int MaxLabels = 8;

    /// <inheritdoc />
    public IReadOnlyList<string> Names { get; } = ["all"];

    /// <inheritdoc />
    public int Of(HttpContext context) => 0;

    /// <inheritdoc />
    public int Current => 0;

    /// <inheritdoc />
    public int Group => 0;
}

/// <summary>
/// Adds the host's own figures to every tick (4 a second), e.g. a database pool or a work queue. Each key is
/// written at the tick's top level, so a host module reads it from the <c>livedash:tick</c> event's
/// <c>detail</c>. Keys must not be one of the tick's own (see <see cref="Tick"/>). Register as many as needed,
/// as singletons (or with <see cref="LiveDashBuilder.AddGauges{T}"/>); called on the ticker's thread.
/// </summary>
public interface ILiveDashGauges
{
    /// <summary>Writes this tick's figures into <paramref name="tick"/> (key → any JSON-serializable value).</summary>
    /// <param name="tick">The tick's extra figures, keyed by their JSON names.</param>
    void Write(IDictionary<string, object> tick);
}
