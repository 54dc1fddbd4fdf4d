namespace LiveDash.AspNetCore;

/// <summary>
/// Adds the host's own fields to the summary (<c>{path}/api/summary</c>, and wherever the host maps it with
/// <c>MapLiveDashSummary</c>), e.g. the mode it ran in or the requests it refused. Each key is written at the summary's
/// top level; keys must not be one of the summary's own (see <see cref="LatencySummary"/>). Register as many as needed, as
/// singletons (or with <see cref="LiveDashBuilder.AddSummaryFields{T}"/>); called once per summary asked for, never per request.
/// </summary>
public interface ILiveDashSummaryFields
{
    /// <summary>Writes the host's fields for <paramref name="summary"/> into <paramref name="fields"/> (key → any JSON-serializable value).</summary>
    /// <param name="summary">The summary being answered (its <see cref="LatencySummary.Label"/> is the host's label in its newest second).</param>
    /// <param name="fields">The summary's extra fields, keyed by their JSON names.</param>
    void Write(LatencySummary summary, IDictionary<string, object> fields);
}
