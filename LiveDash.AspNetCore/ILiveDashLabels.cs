using Microsoft.AspNetCore.Http;

namespace LiveDash.AspNetCore;

/// <summary>
/// The host's label for its requests (LiveDash's store: the mode a request runs in, and the server model).
/// Register one as a singleton to replace the default single label "all"; it is read once per request.
/// </summary>
public interface ILiveDashLabels
{
    /// <summary>The label's values; a request's label is an index into them (at most <see cref="LiveDashLabels.MaxLabels"/>).</summary>
    IReadOnlyList<string> Names { get; }

    /// <summary>The label of the request just arriving (read once, by the first middleware).</summary>
    int Of(HttpContext context);

    /// <summary>The label the host is set to now: the tick carries it, and the per-label totals count time under it.</summary>
    int Current { get; }

    /// <summary>A coarse second label the host is set to now (the store's server model); per-label totals are kept per (label, model).</summary>
    int Model { get; }

    /// <summary>How a model is named on traces (attribute <c>livedash.server_model</c>).</summary>
    string ModelName(int model) => model.ToString(System.Globalization.CultureInfo.InvariantCulture);
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
    public int Model => 0;
}

/// <summary>
/// Adds the host's own figures to every tick (4 a second), e.g. a database pool or a worker queue. Each key is
/// written at the tick's top level, so a host module reads it from the <c>livedash:tick</c> event's
/// <c>detail</c>. Keys must not be one of the tick's own (see <see cref="Tick"/>). Register
/// as many as needed, as singletons; called on the ticker's thread.
/// </summary>
public interface ILiveDashGauges
{
    /// <summary>Writes this tick's figures into <paramref name="tick"/> (key → any JSON-serializable value).</summary>
    void Write(IDictionary<string, object> tick);
}
